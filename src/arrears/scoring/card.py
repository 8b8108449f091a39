"""The model card: what a fitted collection model is, how well it ranks, and how it drifts.

One JSON-ready dict (`build_card`) and the same content as one self-contained HTML page
(`render_html`: inline CSS and SVG, no script, no CDN, nothing fetched). The card carries, for
every feature, the training population's bins and shares, so `monitor(card, today)` can compute
the PSI of today's population from the card alone, with no access to the training data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from jinja2 import Environment

from arrears.scoring.inputs import (
    FrameLike,
    binary_target,
    category_values,
    numeric_values,
    select_features,
    to_polars,
)
from arrears.scoring.metrics import (
    PSI_ALERT,
    auc,
    calibration_table,
    gini,
    ks,
    psi_against,
    reference_bins,
)
from arrears.scoring.model import CollectionModel
from arrears.scoring.scorecard import ScorecardClassifier

CARD_SCHEMA = "arrears.model_card/1"


def _values(frame: pl.DataFrame, name: str, kind: str) -> np.ndarray:
    s = frame.get_column(name)
    return category_values(s) if kind == "categorical" else numeric_values(s)


def _metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {"auc": auc(y, p), "ks": ks(y, p), "gini": gini(y, p)}


def build_card(
    model: CollectionModel,
    *,
    train: tuple[FrameLike, Any],
    test: tuple[FrameLike, Any],
    window: tuple[date, date],
    created_at: datetime | None = None,
    psi_threshold: float = PSI_ALERT,
) -> dict[str, Any]:
    """The card of `model`, fitted on `train`, measured on the held-out `test`.

    `window` is the as-of range the training rows were observed in; `created_at` is passed in,
    never read from the clock, so the same model and data give the same card.
    """
    if window[0] > window[1]:
        raise ValueError(f"window starts after it ends: {window[0]} > {window[1]}")
    names = [str(n) for n in model.feature_names_in_]
    x_train = select_features(to_polars(train[0], names), names)
    x_test = select_features(to_polars(test[0], names), names)
    y_train = binary_target(train[1], x_train.height)
    y_test = binary_target(test[1], x_test.height)
    p_train = model.predict_proba(x_train)[:, 1]
    p_test = model.predict_proba(x_test)[:, 1]

    features = []
    for report in model.feature_report():
        name, kind = report["name"], report["kind"]
        ref = reference_bins(_values(x_train, name, kind))
        drift = psi_against(ref, _values(x_test, name, kind))
        features.append(
            {**report, "psi_test": drift, "psi_flagged": drift > psi_threshold, "reference": ref}
        )

    estimator = model.estimator_
    scale = None
    if isinstance(estimator, ScorecardClassifier):
        scale = {
            "pdo": float(estimator.pdo),
            "base_score": float(estimator.base_score),
            "base_odds": float(estimator.base_odds),
            "odds": "P(event) / P(non-event)",
            "intercept": float(estimator.regression_.intercept_[0]),
        }
    calibration = calibration_table(y_test, p_test).to_dicts()
    return {
        "schema": CARD_SCHEMA,
        "model_id": f"{model.target}-{model.backend}-{model.version_}",
        "version": model.version_,
        "target": model.target,
        "backend": model.backend,
        "calibration": model.calibration,
        "params": {
            k: v for k, v in model.get_params(deep=False).items() if k not in ("target", "backend")
        },
        "training_window": {"start": window[0].isoformat(), "end": window[1].isoformat()},
        "created_at": created_at.isoformat() if created_at is not None else None,
        "rows": {"train": x_train.height, "test": x_test.height, **model.n_rows_},
        "event_rate": {"train": float(y_train.mean()), "test": float(y_test.mean())},
        "metrics": {"train": _metrics(y_train, p_train), "test": _metrics(y_test, p_test)},
        "calibration_table": calibration,
        "psi_threshold": float(psi_threshold),
        "scale": scale,
        "features": features,
    }


def monitor(
    card: dict[str, Any], today: FrameLike, threshold: float | None = None
) -> dict[str, dict[str, Any]]:
    """PSI of each feature between the training population and `today`, flagged above the
    threshold (the card's, 0.25 by default): `{feature: {"psi": float, "flagged": bool}}`."""
    limit = float(card.get("psi_threshold", PSI_ALERT) if threshold is None else threshold)
    names = [f["name"] for f in card["features"]]
    frame = select_features(to_polars(today, names), names)
    out: dict[str, dict[str, Any]] = {}
    for feature in card["features"]:
        value = psi_against(feature["reference"], _values(frame, feature["name"], feature["kind"]))
        out[feature["name"]] = {"psi": value, "flagged": value > limit}
    return out


def _calibration_svg(rows: list[dict[str, Any]], size: int = 260, pad: int = 30) -> dict[str, Any]:
    """Coordinates of an inline SVG: mean predicted (x) vs observed (y), with the diagonal."""
    top = max([0.05] + [r["mean_predicted"] for r in rows] + [r["observed_rate"] for r in rows])
    span = size - 2 * pad

    def at(v: float) -> float:
        return pad + span * v / top

    points = [
        {"x": round(at(r["mean_predicted"]), 1), "y": round(size - at(r["observed_rate"]), 1)}
        for r in rows
    ]
    return {"size": size, "pad": pad, "top": top, "far": size - pad, "points": points}


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Model card {{ c.model_id }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th{background:#f3f3f3} td.l,th.l{text-align:left}
.flag{color:#b00;font-weight:bold} .muted{color:#777}
</style></head><body>
<h1>Model card: {{ c.model_id }}</h1>
<table>
<tr><th class="l">target</th><td class="l">{{ c.target }}</td></tr>
<tr><th class="l">back end</th><td class="l">{{ c.backend }}</td></tr>
<tr><th class="l">calibration</th><td class="l">{{ c.calibration }}</td></tr>
<tr><th class="l">version</th><td class="l">{{ c.version }}</td></tr>
<tr><th class="l">training window</th>
<td class="l">{{ c.training_window.start }} – {{ c.training_window.end }}</td></tr>
<tr><th class="l">rows (train / test)</th>
<td class="l">{{ c.rows.train }} / {{ c.rows.test }}</td></tr>
<tr><th class="l">event rate (train / test)</th>
<td class="l">{{ "%.4f"|format(c.event_rate.train) }} /
{{ "%.4f"|format(c.event_rate.test) }}</td></tr>
</table>
<h2>Discrimination</h2>
<table><tr><th class="l">split</th><th>AUC</th><th>KS</th><th>Gini</th></tr>
{% for split in ("train", "test") %}{% set m = c.metrics[split] %}
<tr><td class="l">{{ split }}</td><td>{{ "%.4f"|format(m.auc) }}</td>
<td>{{ "%.4f"|format(m.ks) }}</td><td>{{ "%.4f"|format(m.gini) }}</td></tr>{% endfor %}
</table>
<h2>Calibration (test, equal-count groups)</h2>
<svg width="{{ g.size }}" height="{{ g.size }}" role="img" aria-label="calibration plot">
<rect x="{{ g.pad }}" y="{{ g.pad }}" width="{{ g.far - g.pad }}" height="{{ g.far - g.pad }}"
 fill="none" stroke="#ccc"/>
<line x1="{{ g.pad }}" y1="{{ g.far }}" x2="{{ g.far }}" y2="{{ g.pad }}" stroke="#999"
 stroke-dasharray="4"/>
{% for p in g.points %}<circle cx="{{ p.x }}" cy="{{ p.y }}" r="4" fill="#1f5fa8"/>{% endfor %}
<text x="{{ g.pad }}" y="{{ g.size - 8 }}" font-size="11">
0 … {{ "%.2f"|format(g.top) }} predicted</text>
<text x="4" y="{{ g.pad - 8 }}" font-size="11">observed</text>
</svg>
<table><tr><th>group</th><th>rows</th><th>mean predicted</th><th>observed</th></tr>
{% for r in c.calibration_table %}<tr><td>{{ r.bin }}</td><td>{{ r.count }}</td>
<td>{{ "%.4f"|format(r.mean_predicted) }}</td><td>{{ "%.4f"|format(r.observed_rate) }}</td></tr>
{% endfor %}</table>
{% if c.scale %}<p>Scale: {{ c.scale.base_score }} points at odds {{ c.scale.base_odds }}
({{ c.scale.odds }}); {{ c.scale.pdo }} points double the odds.</p>{% endif %}
<h2>Features</h2>
{% for f in c.features %}
<h3>{{ f.name }} <span class="muted">({{ f.kind }})</span></h3>
<p>PSI train → test: <span class="{{ 'flag' if f.psi_flagged else '' }}">
{{ "%.4f"|format(f.psi_test) }}</span>
{% if f.iv is defined %} · IV {{ "%.4f"|format(f.iv) }} · coefficient
{{ "%.4f"|format(f.coefficient) }}{% endif %}
{% if f.importance_gain is defined %} · gain {{ "%.1f"|format(f.importance_gain) }} ·
splits {{ f.importance_splits }}{% endif %}</p>
{% if f.bins is defined %}
<table><tr><th class="l">bin</th><th>rows</th><th>event rate</th><th>WoE</th><th>points</th></tr>
{% for b in f.bins %}<tr><td class="l">{{ b.label }}</td><td>{{ b.count }}</td>
<td>{{ "%.4f"|format(b.event_rate) if b.event_rate is not none else "–" }}</td>
<td>{{ "%.4f"|format(b.woe) }}</td><td>{{ b.points }}</td></tr>
{% endfor %}</table>{% endif %}
{% endfor %}
<p class="muted">WoE = ln(share of non-events / share of events). PSI above {{ c.psi_threshold }}
is flagged.{% if c.created_at %} Created {{ c.created_at }}.{% endif %}</p>
</body></html>
"""


def render_html(card: dict[str, Any]) -> str:
    """The card as one self-contained HTML page."""
    env = Environment(autoescape=True, keep_trailing_newline=True)
    graph = _calibration_svg(card["calibration_table"])
    return env.from_string(_TEMPLATE).render(c=card, g=graph)
