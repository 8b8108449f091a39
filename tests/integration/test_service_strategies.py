"""Strategy versions through the API (upload, validate, diff, activate, roll back), the
migrations up and down, and tomorrow's plan reading the active version — on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.store.db import alembic_config, engine, upgrade
from arrears.store.models import AuditEntry, Base
from arrears.strategy.load import load_strategy
from databases import BACKENDS, fresh_database
from service_fixtures import Book, login

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _text(book: Book) -> str:
    return (book.run / "strategy.yaml").read_text("utf-8")


def _changed(text: str, version: int) -> str:
    """The same strategy, another version, with one setting changed."""
    lines = text.splitlines(keepends=True)
    out = []
    for line in lines:
        if line.startswith("version:"):
            line = f"version: {version}\n"
        out.append(line)
    return "".join(out).replace("channel: sms", "channel: email", 1)


def _upload(client: TestClient, headers: dict[str, str], text: str, name: str = "s.yaml") -> dict:
    answer = client.post(
        "/api/v1/strategies", json={"filename": name, "text": text}, headers=headers
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def test_a_version_is_uploaded_once_and_compared_with_another(
    client: TestClient, book: Book
) -> None:
    headers = login(client, "manager")
    text = _text(book)
    first = _upload(client, headers, text)
    again = client.post(
        "/api/v1/strategies", json={"filename": "s.yaml", "text": text}, headers=headers
    )
    assert (
        again.status_code == 200
        and again.json()["id"] == first["id"]
        and not again.json()["created"]
    )
    second = _upload(client, headers, _changed(text, 41))
    assert second["created"] and second["version"] == "41"
    diff = client.get(
        "/api/v1/strategies/diff", params={"from": first["id"], "to": second["id"]}, headers=headers
    ).json()
    assert diff["changed"]["version"] == {
        "from": load_strategy(book.run / "strategy.yaml").version,
        "to": 41,
    }
    assert any(v == {"from": "sms", "to": "email"} for v in diff["changed"].values())
    assert diff["added"] == {} and diff["removed"] == {}
    assert "-version:" in diff["text"] and "+version: 41" in diff["text"]
    listed = client.get("/api/v1/strategies", headers=headers).json()["versions"]
    assert {first["id"], second["id"]} <= {v["id"] for v in listed}


def test_a_file_that_does_not_parse_is_refused_with_line_and_column(client: TestClient) -> None:
    headers = login(client, "manager")
    broken = (
        "name: x\nversion: 1\njurisdiction: [CN]\n"
        "segments:\n  - name: a\n    when: dpd >> 3\n    steps: []\n"
    )
    answer = client.post(
        "/api/v1/strategies", json={"filename": "broken.yaml", "text": broken}, headers=headers
    )
    assert answer.status_code == 422
    found = answer.json()["diagnostics"]
    assert found and all(
        d["file"] == "broken.yaml" and d["line"] >= 1 and d["column"] >= 1 for d in found
    )


def test_activation_rollback_and_the_audit_trail(client: TestClient, book: Book) -> None:
    headers = login(client, "manager")
    text = _text(book)
    name = load_strategy(book.run / "strategy.yaml").name
    a = _upload(client, headers, _changed(text, 51))["id"]
    b = _upload(client, headers, _changed(text, 52))["id"]
    today = book.clock.now.date()
    tomorrow = today + dt.timedelta(days=1)
    past = client.post(
        f"/api/v1/strategies/{a}/activate",
        json={"effective_date": (today - dt.timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert past.status_code == 422
    assert (
        client.post(
            f"/api/v1/strategies/{a}/activate",
            json={"effective_date": today.isoformat()},
            headers=headers,
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/strategies/{b}/activate",
            json={"effective_date": tomorrow.isoformat()},
            headers=headers,
        ).status_code
        == 200
    )

    def on(day: dt.date) -> int:
        answer = client.get(
            "/api/v1/strategies/active",
            params={"name": name, "on": day.isoformat()},
            headers=headers,
        )
        return int(answer.json()["strategy_version_id"])

    assert on(today) == a and on(tomorrow) == b
    book.clock.advance(days=1)
    headers = login(client, "manager")
    rolled = client.post("/api/v1/strategies/rollback", json={"name": name}, headers=headers)
    assert rolled.status_code == 200 and rolled.json()["strategy_version_id"] == a
    assert on(tomorrow) == a
    eng = engine(book.url)
    with eng.connect() as connection:
        kinds = [
            r.action
            for r in connection.execute(
                sa.select(AuditEntry.action).where(AuditEntry.entity == "strategy_activations")
            )
        ]
    eng.dispose()
    assert kinds.count("activate") >= 2 and kinds.count("rollback") >= 1


def test_a_version_with_errors_cannot_be_activated(client: TestClient, book: Book) -> None:
    headers = login(client, "manager")
    bad = _changed(_text(book), 61).replace("channel: email", "channel: pigeon", 1)
    uploaded = client.post(
        "/api/v1/strategies", json={"filename": "bad.yaml", "text": bad}, headers=headers
    )
    if uploaded.status_code == 422:  # refused at parse time: also never activatable
        return
    version = uploaded.json()["id"]
    assert (
        client.get(f"/api/v1/strategies/{version}/validate", headers=headers).json()["errors"] >= 1
    )
    answer = client.post(
        f"/api/v1/strategies/{version}/activate",
        json={"effective_date": book.clock.now.date().isoformat()},
        headers=headers,
    )
    assert answer.status_code == 409


def test_only_strategy_managers_change_strategies(client: TestClient, book: Book) -> None:
    for user in ("agent1", "supervisor", "compliance"):
        answer = client.post(
            "/api/v1/strategies",
            json={"filename": "s.yaml", "text": _text(book)},
            headers=login(client, user),
        )
        assert answer.status_code == 403
    assert client.get("/api/v1/strategies", headers=login(client, "agent1")).status_code == 403


def test_tomorrows_plan_reads_the_active_version(
    client: TestClient, book: Book, tmp_path: Path
) -> None:
    headers = login(client, "manager")
    version = _upload(client, headers, _changed(_text(book), 71))["id"]
    day = book.clock.now.date() + dt.timedelta(days=3)
    assert (
        client.post(
            f"/api/v1/strategies/{version}/activate",
            json={"effective_date": day.isoformat()},
            headers=headers,
        ).status_code
        == 200
    )
    name = load_strategy(book.run / "strategy.yaml").name
    out = tmp_path / "active.yaml"
    result = CliRunner().invoke(
        app,
        [
            "strategy-export",
            "--name",
            name,
            "--date",
            day.isoformat(),
            "--out",
            str(out),
            "--db",
            book.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert load_strategy(out).version == 71
    missing = CliRunner().invoke(
        app, ["strategy-export", "--name", "no-such", "--out", str(out), "--db", book.url]
    )
    assert missing.exit_code == 2


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_migrations_go_up_and_down(kind: str, tmp_path: Path) -> None:
    from alembic import command

    with fresh_database(kind, tmp_path, migrate=False) as url:
        upgrade(url)
        eng = engine(url)
        try:
            tables = set(sa.inspect(eng).get_table_names())
            assert set(Base.metadata.tables) <= tables
            config = alembic_config(url)
            command.downgrade(config, "0001_initial")
            eng.dispose()
            tables = set(sa.inspect(eng).get_table_names())
            assert "work_units" not in tables and "accounts" in tables
            command.downgrade(config, "base")
            eng.dispose()
            assert set(sa.inspect(eng).get_table_names()) <= {"alembic_version"}
            command.upgrade(config, "head")
            eng.dispose()
            assert set(Base.metadata.tables) <= set(sa.inspect(eng).get_table_names())
        finally:
            eng.dispose()
