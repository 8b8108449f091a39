"""Strategy versions in the system of record: upload (checked as `arrears validate` checks),
compare, activate from a date, roll back. The active version on a day is the newest
activation effective on or before it, so tomorrow's plan runs what was active for tomorrow
(`arrears strategy-export`). Every change goes to the audit log."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import Connection, insert, select

from arrears.store.models import StrategyVersion
from arrears.store.repository import record_audit
from arrears.store.work import StrategyActivation
from arrears.strategy.check import check_strategy
from arrears.strategy.diagnostics import Diagnostic, StrategyError, errors
from arrears.strategy.load import load_strategy_text


class VersionError(Exception):
    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Uploaded:
    id: int
    name: str
    version: str
    content_hash: str
    diagnostics: list[Diagnostic]
    created: bool  # False: the same text was uploaded before


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.file, "line": d.line, "column": d.column,
        "severity": d.severity, "message": d.message, "code": d.code,
    }  # fmt: skip


def upload(
    connection: Connection, text: str, *, filename: str, actor: str, now: dt.datetime
) -> Uploaded:
    """Store a strategy file as a version. A file that does not parse raises `StrategyError`
    (nothing stored); one that parses is stored with its diagnostics' error count, and only a
    version with no error may be activated."""
    strategy = load_strategy_text(text, source=filename)
    diagnostics = check_strategy(strategy)
    known = connection.execute(
        select(StrategyVersion.id, StrategyVersion.name, StrategyVersion.version).where(
            StrategyVersion.content_hash == strategy.content_hash
        )
    ).first()
    if known is not None:
        return Uploaded(
            known.id, known.name, known.version, strategy.content_hash, diagnostics, False
        )
    new_id = connection.execute(
        insert(StrategyVersion).returning(StrategyVersion.id),
        {
            "name": strategy.name, "version": str(strategy.version),
            "content_hash": strategy.content_hash, "body": text, "created_at": now,
            "uploaded_by": actor, "errors": len(errors(diagnostics)),
        },
    ).scalar_one()  # fmt: skip
    record_audit(
        connection, actor=actor, action="upload", entity="strategy_versions", entity_id=str(new_id),
        after={
            "name": strategy.name, "version": str(strategy.version),
            "content_hash": strategy.content_hash, "errors": len(errors(diagnostics)),
        },
        at=now,
    )  # fmt: skip
    return Uploaded(
        new_id, strategy.name, str(strategy.version), strategy.content_hash, diagnostics, True
    )


def version_row(connection: Connection, version_id: int) -> Any:
    row = connection.execute(
        select(StrategyVersion).where(StrategyVersion.id == version_id)
    ).first()
    if row is None:
        raise VersionError(f"no strategy version {version_id}", status=404)
    return row


def check_version(connection: Connection, version_id: int) -> list[Diagnostic]:
    row = version_row(connection, version_id)
    try:
        return check_strategy(
            load_strategy_text(row.body or "", source=f"{row.name}@{row.version}")
        )
    except StrategyError as exc:
        return list(exc.diagnostics)


def active_version(connection: Connection, name: str, on: dt.date) -> int | None:
    """The version active for `name` on `on`: the newest activation effective by then."""
    return connection.scalar(
        select(StrategyActivation.strategy_version_id)
        .where(StrategyActivation.name == name, StrategyActivation.effective_date <= on)
        .order_by(StrategyActivation.effective_date.desc(), StrategyActivation.id.desc())
        .limit(1)
    )


def activate(
    connection: Connection,
    version_id: int,
    *,
    effective: dt.date,
    actor: str,
    now: dt.datetime,
    kind: str = "activate",
) -> int:
    row = version_row(connection, version_id)
    if row.errors:
        raise VersionError(f"version {version_id} has {row.errors} error(s): fix and upload again")
    if effective < now.date():
        raise VersionError(f"effective date {effective} is in the past", status=422)
    before = active_version(connection, row.name, effective)
    new_id = connection.execute(
        insert(StrategyActivation).returning(StrategyActivation.id),
        {
            "name": row.name,
            "strategy_version_id": version_id,
            "effective_date": effective,
            "activated_at": now,
            "activated_by": actor,
            "kind": kind,
        },
    ).scalar_one()
    record_audit(
        connection, actor=actor, action=kind, entity="strategy_activations", entity_id=str(new_id),
        before={"name": row.name, "active_version_id": before},
        after={
            "name": row.name, "active_version_id": version_id,
            "effective_date": effective.isoformat(),
        },
        at=now,
    )  # fmt: skip
    return int(new_id)


def rollback(connection: Connection, name: str, *, actor: str, now: dt.datetime) -> int:
    """Make the version that was active before today's active one active again, from today."""
    today = now.date()
    history = (
        connection.execute(
            select(StrategyActivation.strategy_version_id)
            .where(StrategyActivation.name == name, StrategyActivation.effective_date <= today)
            .order_by(StrategyActivation.effective_date.desc(), StrategyActivation.id.desc())
        )
        .scalars()
        .all()
    )
    if not history:
        raise VersionError(f"strategy '{name}' has no active version", status=404)
    current = history[0]
    earlier = next((v for v in history[1:] if v != current), None)
    if earlier is None:
        raise VersionError(f"strategy '{name}' has no earlier version to roll back to")
    return activate(connection, earlier, effective=today, actor=actor, now=now, kind="rollback")


def activations(connection: Connection, name: str | None = None) -> list[dict[str, Any]]:
    query = select(StrategyActivation).order_by(StrategyActivation.id)
    if name is not None:
        query = query.where(StrategyActivation.name == name)
    return [
        {
            "id": a.id, "name": a.name, "strategy_version_id": a.strategy_version_id,
            "effective_date": a.effective_date, "activated_at": a.activated_at,
            "activated_by": a.activated_by, "kind": a.kind,
        }
        for a in connection.execute(query).all()
    ]  # fmt: skip


def _flatten(node: Any, path: str, out: dict[str, Any]) -> None:
    """YAML as path → scalar; list items named by their `name` or `id` where they have one,
    so moving a segment is not read as changing every segment after it."""
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = item.get("name", item.get("id")) if isinstance(item, dict) else None
            _flatten(item, f"{path}[{label if label is not None else i}]", out)
    else:
        out[path] = node


def diff(old: str, new: str, *, old_label: str, new_label: str) -> dict[str, Any]:
    """What changed between two strategy files: the settings added, removed and changed (by
    path, e.g. `segments[early].steps[d1].channel`) and the unified diff of the text."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(yaml.safe_load(old) or {}, "", a)
    _flatten(yaml.safe_load(new) or {}, "", b)
    return {
        "added": {k: b[k] for k in sorted(b.keys() - a.keys())},
        "removed": {k: a[k] for k in sorted(a.keys() - b.keys())},
        "changed": {
            k: {"from": a[k], "to": b[k]} for k in sorted(a.keys() & b.keys()) if a[k] != b[k]
        },
        "text": "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                new.splitlines(keepends=True),
                fromfile=old_label,
                tofile=new_label,
            )
        ),
    }
