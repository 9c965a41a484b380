"""Settings from the environment (and `.env` when present), validated up front so a
misconfigured `serve` stops with one line naming the variable and where to get it.

Hand-parsed rather than through pydantic-settings: that package (and pydantic under it) is in
neither requirements.lock nor requirements-dev.lock, and the locks are hash-checked
(`scripts/lock --check`); adding it is a dependency decision of its own (issue 24)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from content import Bank, load_bank

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///leader_quiz.db"
APPS_PAGE = "https://api.slack.com/apps"
MIN_SESSION_KEY = 32  # characters of ADMIN_SESSION_KEY (`leader-quiz keygen` prints 44)


class ConfigError(Exception):
    """One line: which variable is wrong and where to get a good value."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(default="", repr=False)  # single-workspace mode
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "0.0.0.0"
    port: int = 3000
    metrics_port: int | None = None  # unset: no metrics endpoint
    quiz_admins: frozenset[str] = frozenset()
    # Leader election among replicas (SPEC §6): renew well inside the lease so one
    # slow renewal does not cost the lease.
    lease_seconds: float = 15.0
    lease_renew_seconds: float = 5.0
    # How often each replica re-reads schedules and checks for due or missed posts.
    schedule_sync_seconds: float = 20.0
    # A claim unfinished for this long is taken over (its claimer is presumed dead); it
    # must exceed one Slack call's timeout, since the claimer re-checks before each try.
    claim_stale_seconds: float = 60.0
    reply_resend_seconds: float = 240.0
    count_update_seconds: float = 5.0
    admin_cache_seconds: float = 60.0
    http_threads: int = 16
    # gunicorn worker processes; each is a full replica (its own scheduler, outbox and count
    # refresher) coordinated with the others through the database, like separate replicas.
    # Unset: one per usable core, at most 4 (default_web_concurrency).
    web_concurrency: int = 1
    max_body_bytes: int = 64 * 1024
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object per line (bot.logging_setup)
    content_dir: str = ""  # a lessons folder replacing the shipped bank
    # Multi-workspace mode (SPEC §9): the OAuth app's credentials, the scopes an install asks
    # for, the keys that encrypt stored tokens (the first encrypts, all decrypt), and how long
    # an uninstalled workspace's data is kept.
    slack_client_id: str = ""
    slack_client_secret: str = field(default="", repr=False)
    slack_scopes: tuple[str, ...] = ()  # empty: every scope the app's calls need
    token_encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    uninstall_retention_days: int = 30
    # The admin dashboard (SPEC §13): sign-in is on whenever the OAuth credentials are set (in
    # single-workspace mode beside the bot token, for sign-in only); the key signs its sessions.
    public_url: str = ""  # the app's public base URL, no trailing slash; empty: the request's own
    admin_session_key: str = field(default="", repr=False)
    # Slack budgets above the published floors (SLACK_RATE_LIMITS): (method, calls a minute).
    slack_rate_limits: tuple[tuple[str, int], ...] = ()
    replica_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )

    def load_bank(self) -> Bank:
        """The question bank: CONTENT_DIR when set, else the lessons shipped with the package."""
        return load_bank(Path(self.content_dir)) if self.content_dir else load_bank()

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def multi_workspace(self) -> bool:
        """One deployment for every workspace that installs it (OAuth), not one bot token."""
        return bool(self.slack_client_id) and not self.slack_bot_token

    @property
    def admin_sign_in(self) -> bool:
        """Sign in with Slack, and so the dashboard at /admin, is on."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def secrets(self) -> list[str]:
        """Every configured secret, for the log filter that redacts them."""
        return [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.admin_session_key,
            *self.token_encryption_keys,
        ]

    def mode_line(self) -> str:
        """The one line `serve` prints about how it runs."""
        transport = "Socket Mode" if self.socket_mode else f"HTTP on {self.host}:{self.port}"
        if self.multi_workspace:
            return (
                f"multi-workspace mode (OAuth app {self.slack_client_id}): {transport}, "
                "Add to Slack at /slack/install, dashboard at /admin"
            )
        if self.admin_sign_in:
            return (
                f"single-workspace mode (SLACK_BOT_TOKEN): {transport}, dashboard at /admin "
                f"(SLACK_CLIENT_ID {self.slack_client_id} for sign-in only)"
            )
        return f"single-workspace mode (SLACK_BOT_TOKEN): {transport}"


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw}")
    return value


def default_web_concurrency() -> int:
    """One worker per core this process may run on, at most 4. A click's Python work holds the
    GIL, so one worker uses about one core; on a 2-core machine that also ran the database and
    the load, 2 workers took 18% more clicks than one (bench/README, issue 21). Past 4, workers
    mostly queue for the database's write lock and each costs a replica's memory and pool."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _whole(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{name} must be a whole number, at least {minimum}, got {raw!r}")
    return int(raw)


def _single_workspace(env: Mapping[str, str]) -> dict:
    """The bot token, and the OAuth credentials when they are set beside it: then they turn on
    the dashboard's sign-in only (SPEC §13), never multi-workspace mode."""
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    if not token.startswith("xoxb-"):
        raise ConfigError(
            "SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-': copy it from your app's "
            f"'OAuth & Permissions' page at {APPS_PAGE}"
        )
    found: dict = {"slack_bot_token": token}
    if env.get("SLACK_CLIENT_ID", "").strip() or env.get("SLACK_CLIENT_SECRET", "").strip():
        client_id, secret = _client_credentials(env)
        found.update(slack_client_id=client_id, slack_client_secret=secret)
    return found


def _client_credentials(env: Mapping[str, str]) -> tuple[str, str]:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, both or neither; the missing one is named."""
    client_id = env.get("SLACK_CLIENT_ID", "").strip()
    secret = env.get("SLACK_CLIENT_SECRET", "").strip()
    if not secret:
        raise ConfigError(
            "SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is): copy the Client Secret from your "
            f"app's 'Basic Information' page at {APPS_PAGE}"
        )
    if not client_id:
        raise ConfigError(
            "SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is): copy the Client ID from your "
            f"app's 'Basic Information' page at {APPS_PAGE}"
        )
    return client_id, secret


def _multi_workspace(env: Mapping[str, str]) -> dict:
    """The OAuth settings, each checked; the first missing piece is named."""
    client_id, secret = _client_credentials(env)
    keys = tuple(key.strip() for key in env.get("TOKEN_ENCRYPTION_KEY", "").split(",") if key.strip())
    if not keys:
        raise ConfigError(
            "TOKEN_ENCRYPTION_KEY is not set: multi-workspace mode stores every workspace's tokens "
            "encrypted; make a key with `leader-quiz keygen` and keep it secret"
        )
    from db.token_cipher import TokenCipher

    try:
        TokenCipher(keys)
    except ValueError as error:
        raise ConfigError(f"TOKEN_ENCRYPTION_KEY is not usable: {error}") from None
    if env.get("SLACK_APP_TOKEN", "").strip():
        raise ConfigError(
            "SLACK_APP_TOKEN is set in multi-workspace mode: the OAuth install needs HTTP mode; unset "
            "SLACK_APP_TOKEN and point the app's request URLs at /slack/events"
        )
    raw_scopes = env.get("SLACK_SCOPES", "").strip()
    scopes = tuple(s.strip() for s in raw_scopes.split(",") if s.strip()) if raw_scopes else ()
    if raw_scopes and not scopes:
        raise ConfigError("SLACK_SCOPES is empty: leave it unset to ask for the manifest's bot scopes")
    return {
        "slack_client_id": client_id,
        "slack_client_secret": secret,
        "slack_scopes": scopes,  # empty: the scopes the code needs (bot.slack.scopes)
        "token_encryption_keys": keys,
    }


def _public_url(env: Mapping[str, str]) -> str:
    raw = env.get("PUBLIC_URL", "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"PUBLIC_URL must be the app's public base URL, such as https://quiz.example.com, got {raw!r}"
        )
    return raw.rstrip("/")


def _rate_limits(env: Mapping[str, str]) -> tuple[tuple[str, int], ...]:
    """SLACK_RATE_LIMITS: `chat.postMessage=600,views.publish=200` (calls a minute, for an app
    Slack granted more than its published floors)."""
    raised: dict[str, int] = {}
    for part in (piece.strip() for piece in env.get("SLACK_RATE_LIMITS", "").split(",")):
        if not part:
            continue
        method, _, value = (piece.strip() for piece in part.partition("="))
        if "." not in method or not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"SLACK_RATE_LIMITS has {part[:60]!r}: use method=calls_per_minute, e.g. "
                "chat.postMessage=600,views.publish=200"
            )
        raised[method] = int(value)
    return tuple(sorted(raised.items()))


def _metrics_port(env: Mapping[str, str], slack_port: int) -> int | None:
    raw = env.get("METRICS_PORT", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ConfigError(f"METRICS_PORT must be a TCP port number (0-65535), got {raw!r}")
    if int(raw) == slack_port and slack_port != 0:
        raise ConfigError(
            f"METRICS_PORT must differ from PORT ({slack_port}): metrics never share the Slack port"
        )
    return int(raw)


def load_settings(env: Mapping[str, str] | None = None, *, require_signing_secret: bool = True) -> Settings:
    """Read and validate settings; raise ConfigError with one line on the first problem."""
    env = os.environ if env is None else env
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    oauth = bool(env.get("SLACK_CLIENT_ID", "").strip() or env.get("SLACK_CLIENT_SECRET", "").strip())
    if not token and not oauth:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your app's "
            f"'OAuth & Permissions' page at {APPS_PAGE} (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET "
            "and TOKEN_ENCRYPTION_KEY to serve many workspaces)"
        )
    mode = _single_workspace(env) if token else _multi_workspace(env)
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-': create one with the "
            f"connections:write scope under 'Basic Information' at {APPS_PAGE}"
        )
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if not secret and not app_token and require_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your app's 'Basic Information' "
            f"page at {APPS_PAGE} (or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_API_URL}")
    if not api_url.endswith("/"):
        api_url += "/"
    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        make_url(database_url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a SQLAlchemy URL: use sqlite:///leader_quiz.db or "
            "postgresql+psycopg://user:password@host/dbname"
        ) from None
    raw_port = env.get("PORT", "").strip() or "3000"
    if not raw_port.isdigit() or not 0 <= int(raw_port) <= 65535:
        raise ConfigError(f"PORT must be a TCP port number (0-65535), got {raw_port!r}")
    metrics_port = _metrics_port(env, int(raw_port))
    admins = frozenset(part.strip() for part in env.get("QUIZ_ADMINS", "").split(",") if part.strip())
    lease = _float(env, "LEASE_SECONDS", 15.0, 1.0)
    renew = _float(env, "LEASE_RENEW_SECONDS", min(5.0, lease / 3), 0.1)
    if renew >= lease:
        raise ConfigError(f"LEASE_RENEW_SECONDS ({renew}) must be shorter than LEASE_SECONDS ({lease})")
    log_format = env.get("LOG_FORMAT", "").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT must be text or json, got {env.get('LOG_FORMAT', '').strip()!r}")
    public_url = _public_url(env)
    admin_key = env.get("ADMIN_SESSION_KEY", "").strip()
    # Offline commands (no signing secret needed either) sign no one in.
    if mode.get("slack_client_id") and require_signing_secret and len(admin_key) < MIN_SESSION_KEY:
        raise ConfigError(
            (
                "ADMIN_SESSION_KEY is not set"
                if not admin_key
                else f"ADMIN_SESSION_KEY is shorter than {MIN_SESSION_KEY} characters"
            )
            + ": SLACK_CLIENT_ID and SLACK_CLIENT_SECRET turn on the dashboard's sign-in, whose sessions it signs; "
            "make one with `leader-quiz keygen` and keep it secret"
        )
    return Settings(
        **mode,
        public_url=public_url,
        admin_session_key=admin_key,
        uninstall_retention_days=int(_float(env, "UNINSTALL_RETENTION_DAYS", 30, 0)),
        slack_signing_secret=secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=database_url,
        host=env.get("HOST", "").strip() or "0.0.0.0",
        port=int(raw_port),
        metrics_port=metrics_port,
        quiz_admins=admins,
        lease_seconds=lease,
        lease_renew_seconds=renew,
        schedule_sync_seconds=_float(env, "SCHEDULE_SYNC_SECONDS", 20.0, 0.1),
        claim_stale_seconds=_float(env, "CLAIM_STALE_SECONDS", 60.0, 1.0),
        reply_resend_seconds=_float(env, "REPLY_RESEND_SECONDS", 240.0, 1.0),
        count_update_seconds=_float(env, "COUNT_UPDATE_SECONDS", 5.0, 0.0),
        admin_cache_seconds=_float(env, "ADMIN_CACHE_SECONDS", 60.0, 0.0),
        http_threads=_whole(env, "HTTP_THREADS", 16, 1),
        web_concurrency=_whole(env, "WEB_CONCURRENCY", default_web_concurrency(), 1),
        log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
        log_format=log_format,
        content_dir=env.get("CONTENT_DIR", "").strip(),
        slack_rate_limits=_rate_limits(env),
    )
