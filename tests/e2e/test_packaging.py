"""The package installs as the Dockerfile installs it (`pip install .`, not editable) and
the installed copy runs: package data (lessons, migrations) included, console script works."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import requests
import yaml
from slack_sdk import WebClient

from bot.slack.scopes import METHOD_SCOPES, required_scopes
from tests.support.admin import sign_in_env
from tests.support.databases import backend
from tests.support.fake_slack import FakeSlack
from tests.support.servers import ServeProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding a regular (non-editable) install of this checkout; its
    dependencies are borrowed from the test environment's site-packages."""
    venv = tmp_path_factory.mktemp("install") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # A bare path line adds the directory without running its .pth files (so the
    # editable finder of the development install stays out).
    (purelib / "borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        check=True,
    )
    return venv


def run_installed(
    venv: Path, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "leader-quiz"), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_installed_copy_is_used_and_has_its_data(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import bot, content, db; print(bot.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(installed) in where and str(ROOT / "bot") not in where
    checked = run_installed(installed, "content", "check", cwd=tmp_path)
    assert checked.returncode == 0 and re.search(r"ok: \d+ lessons, \d+ questions", checked.stdout)
    upgraded = run_installed(
        installed, "db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision" in upgraded.stdout


def test_installed_serve_becomes_healthy(
    installed: Path, tmp_path: Path, env: dict[str, str], fake_slack: FakeSlack
) -> None:
    process = ServeProcess(
        {**env, **sign_in_env(fake_slack)},
        tmp_path / "serve.log",
        command=[str(installed / "bin" / "leader-quiz"), "serve"],
        cwd=tmp_path,
    )
    try:
        health = process.wait_healthy()
        assert health["database"] == "ok"
        assert requests.get(f"{process.base_url}/nope", timeout=5).status_code == 404
        # The dashboard's templates and stylesheet are in the installed package.
        assert "Sign in with Slack" in requests.get(f"{process.base_url}/admin/signin", timeout=5).text
        assert requests.get(f"{process.base_url}/admin/static/admin.css", timeout=5).status_code == 200
        assert "dashboard at /admin" in process.log()
    finally:
        process.stop()


def test_dockerfile_installs_and_runs_the_same_way() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1\d-slim", dockerfile, re.M)
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'CMD ["leader-quiz", "serve"]' in dockerfile
    for copied in ("bot", "content", "db", "pyproject.toml"):
        assert re.search(rf"^COPY .*\b{copied}\b", dockerfile, re.M)


def dockerfile_build_steps() -> list[tuple[str, str]]:
    """The Dockerfile's instructions up to `USER` (the build), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    steps = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "USER":
            break
        steps.append((instruction, rest.strip()))
    return steps


def build_like_the_dockerfile(venv: Path, context: Path) -> list[list[str]]:
    """Replay the Dockerfile's COPY and `pip install` steps into `context` (its WORKDIR) with
    the venv's pip; the pip commands it ran."""
    ran = []
    for instruction, rest in dockerfile_build_steps():
        if instruction == "COPY":
            *sources, destination = shlex.split(rest)
            into = context / destination
            for source in sources:
                origin, target = ROOT / source, (into / source if destination.endswith("/") else into)
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(origin, target)
        elif instruction == "RUN":
            for command in rest.split("&&"):
                words = shlex.split(command)
                if words[:2] == ["pip", "install"]:
                    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *words[2:]]
                    done = subprocess.run(pip, cwd=context, capture_output=True, text=True, timeout=600)
                    assert done.returncode == 0, f"{command.strip()} failed:\n{done.stderr[-3000:]}"
                    ran.append(words)
    return ran


def _normalised(pin: str) -> str:
    """`Foo_Bar==1.0` and `foo-bar==1.0` name the same release."""
    return re.sub(r"[-_.]+", "-", pin.lower())


@pytest.mark.skipif(backend() == "postgresql", reason="no database involved: the SQLite run covers it")
def test_the_dockerfile_installs_from_the_lock(tmp_path: Path) -> None:
    """A fresh venv built with the Dockerfile's own pip commands: the hash-checked lock, then the
    app without dependencies. Everything installed is pinned by the lock, and the app runs."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    context = tmp_path / "app"
    context.mkdir()
    ran = build_like_the_dockerfile(venv, context)
    assert ran == [
        ["pip", "install", "--require-hashes", "-r", "requirements.lock"],
        ["pip", "install", "--no-deps", "."],
    ]
    python = str(venv / "bin" / "python")
    broken = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True)
    assert broken.returncode == 0, broken.stdout  # every dependency of every package is there
    frozen = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude", "leader-quiz"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pinned = re.findall(r"^([A-Za-z0-9_.-]+==[^\s;]+)", (ROOT / "requirements.lock").read_text(), re.M)
    installed = {_normalised(pin) for pin in frozen.split()}
    unpinned = installed - {_normalised(pin) for pin in pinned}
    assert installed and not unpinned, f"installed but not in requirements.lock: {sorted(unpinned)}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = subprocess.run(
        [str(venv / "bin" / "leader-quiz"), "content", "check"], cwd=elsewhere, capture_output=True, text=True
    )
    assert checked.returncode == 0 and re.search(r"ok: \d+ lessons, \d+ questions", checked.stdout)
    imported = subprocess.run([python, "-c", "import fsrs, prometheus_client, psycopg"], cwd=elsewhere)
    assert imported.returncode == 0


WEB_API_CALL = re.compile(r"\.((?:auth|chat|conversations|users|usergroups|views|team|oauth)_[A-Za-z_]+)\(")


def test_every_web_api_method_the_code_calls_has_its_scopes_listed() -> None:
    called = {
        match.group(1)
        for path in (ROOT / "bot").rglob("*.py")
        for match in WEB_API_CALL.finditer(path.read_text())
        if hasattr(WebClient, match.group(1))  # a Web API method, not a helper named alike
    }
    assert called, "the scan found no Web API calls at all"
    assert called <= set(METHOD_SCOPES), f"calls without a scope entry: {sorted(called - set(METHOD_SCOPES))}"


def test_manifest_grants_what_the_bot_calls() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    missing = required_scopes() - scopes
    assert missing == set(), f"manifest.yaml lacks bot scopes the code needs: {sorted(missing)}"
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/leader-quiz"]
    assert commands[0]["should_escape"] is True  # mentions arrive as <@U…> for `stats @user`
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert all(c["url"].endswith("/slack/events") for c in commands)


def test_distribution_manifest_is_the_multi_workspace_app() -> None:
    single = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    shared = yaml.safe_load((ROOT / "manifest.distributed.yaml").read_text())
    assert set(shared["oauth_config"]["scopes"]["bot"]) == set(single["oauth_config"]["scopes"]["bot"])
    assert required_scopes() <= set(shared["oauth_config"]["scopes"]["bot"])
    settings = shared["settings"]
    assert settings["socket_mode_enabled"] is False
    assert isinstance(settings["token_rotation_enabled"], bool) and settings["org_deploy_enabled"] is True
    assert {url.rsplit(".com", 1)[1] for url in shared["oauth_config"]["redirect_urls"]} == {
        "/slack/oauth_redirect",
        "/admin/callback",
    }
    assert {"app_uninstalled", "tokens_revoked"} <= set(settings["event_subscriptions"]["bot_events"])
    assert shared["features"]["slash_commands"] == single["features"]["slash_commands"]


def test_compose_runs_two_replicas_on_postgres() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    replicas = [name for name, service in services.items() if service.get("build") == "."]
    assert len(replicas) >= 2
    for name in replicas:
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:15")


def test_manifests_let_admins_sign_in_to_the_dashboard() -> None:
    """Sign in with Slack needs the dashboard's redirect URL and the openid user scopes the app
    asks for (bot.services.sign_in.SCOPES) in both manifests."""
    from bot.services.sign_in import SCOPES

    for name in ("manifest.yaml", "manifest.distributed.yaml"):
        oauth = yaml.safe_load((ROOT / name).read_text())["oauth_config"]
        assert set(SCOPES.split()) <= set(oauth["scopes"]["user"]), name
        assert any(url.endswith("/admin/callback") for url in oauth["redirect_urls"]), name
