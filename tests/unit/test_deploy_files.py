"""The example dashboard and alert rules in deploy/ are written against the metrics the app
exports: a renamed metric would leave a panel blank and an alert silent without this."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.metrics import MetricWrapperBase

from bot import metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> dict[str, str]:
    """Each sample name the app can export -> the metric it belongs to."""
    names: dict[str, str] = {}
    for item in vars(metrics).values():
        if isinstance(item, MetricWrapperBase):
            for family in item.describe():
                for suffix in SUFFIXES[family.type]:
                    names[family.name + suffix] = family.name
    return names


def referenced(text: str) -> set[str]:
    return set(re.findall(r"\bleader_quiz_[a-z_]+", text))


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"][0]["rules"]
    return [rule["expr"] for rule in rules]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_alerts_and_dashboard_use_only_exported_metrics() -> None:
    names = exported()
    assert len(names) > 10
    for expression in alert_expressions() + dashboard_expressions():
        unknown = referenced(expression) - set(names)
        assert not unknown, f"{expression!r} uses {unknown}, which the app does not export"


def test_every_metric_is_on_the_dashboard() -> None:
    names = exported()
    shown = {names[name] for expression in dashboard_expressions() for name in referenced(expression)}
    assert shown == set(names.values())


def test_the_starting_alerts_are_there() -> None:
    expressions = " ".join(alert_expressions())
    assert "leader_quiz_posts_overdue_seconds) > 600" in expressions  # no post 10 min after schedule
    assert 'result="429"' in expressions
    assert "leader_quiz_outbox_late_seconds" in expressions  # the outbox backing up, by kind
    assert 'leader_quiz_slack_calls_total{result="429"}' in expressions  # 429s drawn, by method
