"""The synthetic book of the assignment bench: wanted accounts, teams, agents, current cases.

Seeded NumPy draws, vectorized: products and buckets with lognormal overdue amounts (a long
high-value tail), customers with about 1.15 accounts, 20 % English speakers, 20 teams (17 human,
a robot caller, two agencies with different commissions) whose agents carry scarce skills and
both languages, capacity set to a share of demand so it binds, and 30 % of customers already
held by someone (so keep and rotation paths run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from _generate import RUN_DATE

PRODUCTS = ("cash_loan", "credit_card", "bnpl")
PRODUCT_SHARE = (0.55, 0.30, 0.15)
PRODUCT_MEDIAN = (3000.0, 4000.0, 800.0)  # overdue amount, lognormal median
OVERDUE_SIGMA = 1.1
# Buckets: (name, first dpd, last dpd, share of accounts, recovery rate)
BUCKETS = (
    ("M1", 1, 30, 0.45, 0.60),
    ("M2", 31, 60, 0.22, 0.40),
    ("M3", 61, 90, 0.13, 0.25),
    ("M4_6", 91, 180, 0.12, 0.12),
    ("M6+", 181, 720, 0.08, 0.05),
)
ACCOUNTS_PER_CUSTOMER = 1.15
EN_SHARE = 0.20
EXIT_SHARE = 0.02  # accounts a step matched but an exit (paid, promise) takes out
HELD_SHARE = 0.30  # customers someone already holds
VIP_OVERDUE, LEGAL_OVERDUE, ROBOT_OVERDUE = 25_000.0, 10_000.0, 800.0

# Human steps, in the order their home teams are dealt (team j is a home team of step j % 9).
# (segment, when, assign block, partner: the segment whose first home team the step also lists)
HUMAN_STEPS: tuple[tuple[str, str, dict[str, Any], str | None], ...] = (
    (
        "m1_cash",
        "bucket == 'M1' and product == 'cash_loan'",
        {"skills_from": ["product"], "contacts_per_case": 6, "rotate_no_rpc_days": 10},
        "m1_card",
    ),
    (
        "m1_card",
        "bucket == 'M1' and product == 'credit_card'",
        {"skills_from": ["product"], "contacts_per_case": 6},
        "m1_bnpl",
    ),
    ("m1_bnpl", "bucket == 'M1' and product == 'bnpl'", {"contacts_per_case": 4}, None),
    (
        "m2_loans",
        "bucket == 'M2' and product != 'credit_card'",
        {
            "skills_from": ["product"],
            "contacts_per_case": 8,
            "rotate_after_days": 20,
            "rotate_no_rpc_days": 10,
        },
        "m2_card",
    ),
    (
        "m2_card",
        "bucket == 'M2' and product == 'credit_card'",
        {
            "skills": ["negotiation"],
            "skills_from": ["product"],
            "contacts_per_case": 8,
            "rotate_after_days": 20,
        },
        None,
    ),
    (
        "m3",
        "bucket == 'M3'",
        {"skills": ["negotiation"], "contacts_per_case": 10, "rotate_after_days": 30},
        "late",
    ),
    ("late", "bucket == 'M4_6'", {"contacts_per_case": 12, "rotate_after_days": 30}, None),
    (
        "vip",
        f"bucket in ('M1', 'M2', 'M3') and overdue_amount >= {VIP_OVERDUE:.0f}",
        {"skills": ["vip"], "contacts_per_case": 15},
        "m2_card",
    ),
    (
        "legal",
        f"bucket == 'M4_6' and overdue_amount >= {LEGAL_OVERDUE:.0f}",
        {"skills": ["legal"], "contacts_per_case": 14, "rotate_after_days": 30},
        "late",
    ),
)
ROBOT_TEAM, AGENCIES = "robot_dialer", ("agency_alpha", "agency_beta")
ROBOT_STEP = (
    "m1_bnpl_small",
    f"bucket == 'M1' and product == 'bnpl' and overdue_amount < {ROBOT_OVERDUE:.0f}",
    {"to": "robot", "teams": [ROBOT_TEAM], "contacts_per_case": 3, "handoff": None},
)
AGENCY_STEP = (
    "agency",
    "bucket == 'M6+'",
    {
        "to": "agency",
        "teams": list(AGENCIES),
        "contacts_per_case": 0,
        "lift": {"agency_alpha": 0.9, "agency_beta": 1.05},
        "recall_after_days": 90,
        "replace": True,
    },
)
# Segment order (the first whose `when` holds wins); the ids of HUMAN_STEPS, robot and agency.
SEGMENT_ORDER = (
    "agency",
    "vip",
    "legal",
    "m1_bnpl_small",
    "m1_cash",
    "m1_card",
    "m1_bnpl",
    "m2_card",
    "m2_loans",
    "m3",
    "late",
)


def _layout(n_teams: int) -> tuple[list[str], dict[str, list[str]], dict[str, list[float]]]:
    """Human team ids, each human step's `teams`, and each team's weight in that step."""
    n_human = n_teams - 1 - len(AGENCIES)
    if n_human < len(HUMAN_STEPS):
        raise SystemExit(f"--teams must be at least {len(HUMAN_STEPS) + 1 + len(AGENCIES)}")
    homes: dict[str, list[str]] = {s[0]: [] for s in HUMAN_STEPS}
    human = []
    for j in range(n_human):
        segment = HUMAN_STEPS[j % len(HUMAN_STEPS)][0]
        team = f"{segment}_{chr(ord('a') + len(homes[segment]))}"
        homes[segment].append(team)
        human.append(team)
    teams: dict[str, list[str]] = {}
    weights: dict[str, list[float]] = {}
    for segment, _, _, partner in HUMAN_STEPS:
        listed = homes[segment][:2]
        w = [1.0] * len(listed)
        if partner is not None:
            listed = [*listed, homes[partner][0]]
            w.append(0.5)
        teams[segment], weights[segment] = listed, w
    return human, teams, weights


def strategy_yaml(seed: int, n_teams: int) -> tuple[str, dict[str, list[str]]]:
    """The strategy text and each step's team list (step id = segment id + '.owner')."""
    import numpy as np
    import yaml

    rng = np.random.default_rng([seed, 1])
    _, human_teams, _ = _layout(n_teams)
    buckets = {name: [lo, None if name == "M6+" else hi] for name, lo, hi, _, _ in BUCKETS}
    blocks: dict[str, tuple[str, dict[str, Any]]] = {}
    for segment, when, extra, _ in HUMAN_STEPS:
        listed = human_teams[segment]
        lift = {t: round(float(rng.uniform(0.9, 1.12)), 2) for t in listed}
        blocks[segment] = (when, {"to": "team", "teams": listed, "lift": lift, **extra})
    robot = dict(ROBOT_STEP[2])
    robot["handoff"] = human_teams["m1_bnpl"][0]
    robot["lift"] = {ROBOT_TEAM: 0.55}
    blocks[ROBOT_STEP[0]] = (ROBOT_STEP[1], robot)
    blocks[AGENCY_STEP[0]] = (AGENCY_STEP[1], dict(AGENCY_STEP[2]))
    doc = {
        "name": "assign-bench",
        "version": 1,
        "description": "Synthetic assignment benchmark: one assign step per segment.",
        "jurisdiction": ["CN"],
        "buckets": buckets,
        "segments": [
            {
                "id": segment,
                "when": blocks[segment][0],
                "steps": [{"id": f"{segment}.owner", "assign": blocks[segment][1]}],
            }
            for segment in SEGMENT_ORDER
        ],
    }
    teams = {f"{s}.owner": list(blocks[s][1]["teams"]) for s in SEGMENT_ORDER}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), teams


def synthesize(
    size: int, n_agents: int, n_teams: int, seed: int, capacity_share: float
) -> dict[str, Any]:
    """want, teams, agents, cases frames and the strategy text, seeded and vectorized."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    n = size
    text, step_teams = strategy_yaml(seed, n_teams)
    human, human_teams, team_weights = _layout(n_teams)

    # Accounts and customers: every customer has one account, a few have more.
    n_cust = max(1, round(n / ACCOUNTS_PER_CUSTOMER))
    cust = np.concatenate([np.arange(n_cust), rng.integers(0, n_cust, n - n_cust)])
    rng.shuffle(cust)
    product = rng.choice(len(PRODUCTS), n, p=PRODUCT_SHARE)
    bucket = rng.choice(len(BUCKETS), n, p=[b[3] for b in BUCKETS])
    lo = np.array([b[1] for b in BUCKETS])[bucket]
    hi = np.array([b[2] for b in BUCKETS])[bucket]
    dpd = (lo + rng.integers(0, hi - lo + 1)).astype(np.int32)
    overdue = np.round(np.array(PRODUCT_MEDIAN)[product] * rng.lognormal(0.0, OVERDUE_SIGMA, n), 2)
    propensity = rng.beta(2.0, 4.0, n)
    value = np.round(overdue * propensity * np.array([b[4] for b in BUCKETS])[bucket], 2)
    en_customer = rng.random(n_cust) < EN_SHARE
    language = np.where(en_customer[cust], "en", "zh")

    # Segment: the first whose `when` holds (the strategy's order).
    m1, m2, m3, m46, m6p = (bucket == i for i in range(5))
    cash, card, bnpl = (product == i for i in range(3))
    conditions = {
        "agency": m6p,
        "vip": (m1 | m2 | m3) & (overdue >= VIP_OVERDUE),
        "legal": m46 & (overdue >= LEGAL_OVERDUE),
        "m1_bnpl_small": m1 & bnpl & (overdue < ROBOT_OVERDUE),
        "m1_cash": m1 & cash,
        "m1_card": m1 & card,
        "m1_bnpl": m1 & bnpl,
        "m2_card": m2 & card,
        "m2_loans": m2 & ~card,
        "m3": m3,
        "late": m46,
    }
    segment_ix = np.select(
        list(conditions.values()), np.arange(len(SEGMENT_ORDER)).tolist(), default=-1
    )
    assert (segment_ix >= 0).all()
    segments = np.array(SEGMENT_ORDER)
    exiting = rng.random(n) < EXIT_SHARE
    exit_text = np.where(rng.random(n) < 0.5, "paid: nothing overdue", "promise to pay open")

    # What each step's owner needs: its `skills`, and the product where `skills_from: product`.
    extra = {s[0]: s[2] for s in HUMAN_STEPS}
    step_needs = pl.DataFrame(
        {
            "segment": list(SEGMENT_ORDER),
            "_skills": [list(extra.get(s, {}).get("skills", [])) for s in SEGMENT_ORDER],
            "_by_product": [
                "product" in extra.get(s, {}).get("skills_from", []) for s in SEGMENT_ORDER
            ],
        },
        schema={"segment": pl.String, "_skills": pl.List(pl.String), "_by_product": pl.Boolean},
    )
    rpc = rng.integers(0, 45, n).astype(np.int32)
    want = (
        pl.DataFrame(
            {
                "account_id": pl.int_range(0, n, eager=True).cast(pl.String).str.zfill(9),
                "customer_id": pl.Series(cust).cast(pl.String).str.zfill(8),
                "segment": segments[segment_ix],
                "_exit": pl.Series(exit_text, dtype=pl.String).set(pl.Series(~exiting), None),
                "value": value,
                "_product": np.array(PRODUCTS)[product],
                "language": language,
                "dpd": dpd,
                "days_since_rpc": pl.Series(rpc).set(pl.Series(rng.random(n) < 0.35), None),
            }
        )
        .with_columns(
            (pl.lit("A") + pl.col("account_id")).alias("account_id"),
            (pl.lit("C") + pl.col("customer_id")).alias("customer_id"),
        )
        .join(step_needs, on="segment", how="left", maintain_order="left")
        .select(
            "account_id",
            "customer_id",
            pl.when(pl.col("_exit").is_null())
            .then(pl.col("segment") + ".owner")
            .alias("assign_step"),
            pl.col("_exit").alias("exit"),
            pl.when(pl.col("_exit").is_null()).then(pl.col("value")).alias("value"),
            pl.when(pl.col("_by_product"))
            .then(pl.concat_list("_skills", "_product"))
            .otherwise(pl.col("_skills"))
            .list.sort()
            .alias("needs"),
            "language",
            "segment",
            pl.col("dpd").cast(pl.Int32),
            pl.col("days_since_rpc").cast(pl.Int32),
        )
    )

    # Demand per step (accounts), split over the step's teams: each team's share of the work.
    demand = dict(
        want.filter(pl.col("assign_step").is_not_null()).group_by("segment").len().iter_rows()
    )
    team_demand: dict[str, float] = {t: 0.0 for t in [*human, ROBOT_TEAM, *AGENCIES]}
    for segment, listed in human_teams.items():
        w = np.array(team_weights[segment])
        for t, share in zip(listed, w / w.sum(), strict=True):
            team_demand[t] += demand.get(segment, 0) * share
    team_demand[ROBOT_TEAM] += demand.get(ROBOT_STEP[0], 0)
    for t, share in zip(AGENCIES, (0.55, 0.45), strict=True):
        team_demand[t] += demand.get(AGENCY_STEP[0], 0) * share
    wanted_total = sum(demand.values())
    raw = {t: d * rng.uniform(0.8, 1.05) for t, d in team_demand.items()}
    scale = capacity_share * wanted_total / sum(raw.values())
    team_capacity = {t: max(1, round(c * scale)) for t, c in raw.items()}

    # Agents: per human team in proportion to its demand (at least 2), capacities summing to the
    # team's; languages stratified (75 % zh, 15 % en, 10 % both); skills: the team's, plus
    # products (common), negotiation (some), legal and vip (scarce).
    d = np.array([team_demand[t] for t in human])
    per_team = np.maximum(2, np.floor(d / d.sum() * n_agents)).astype(np.int64)
    while per_team.sum() > n_agents and (per_team > 2).any():
        per_team[np.argmax(per_team)] -= 1
    remainder = d / d.sum() * n_agents - per_team
    for i in np.argsort(-remainder)[: max(0, n_agents - int(per_team.sum()))]:
        per_team[i] += 1
    agent_team = np.repeat(np.arange(len(human)), per_team)
    n_ag = agent_team.size
    weight = rng.uniform(0.6, 1.4, n_ag)
    team_w = np.bincount(agent_team, weights=weight)
    cap = np.array([team_capacity[t] for t in human], dtype=float)
    agent_cap = np.maximum(1, np.round(cap[agent_team] * weight / team_w[agent_team])).astype(
        np.int64
    )
    lang_draw = rng.random(n_ag)
    languages = np.where(
        lang_draw < 0.75,
        "zh-CN",
        np.where(
            lang_draw < 0.82, "en-US", np.where(lang_draw < 0.90, "en-US,en-GB", "zh-CN,en-US")
        ),
    )
    home = np.array([t.rsplit("_", 1)[0] for t in human])[agent_team]
    product_p = {"cash_loan": 0.85, "credit_card": 0.45, "bnpl": 0.6}
    home_product = {"m1_cash": "cash_loan", "m1_card": "credit_card", "m2_card": "credit_card"}
    skill_cols = []
    for p, share in product_p.items():
        homed = np.array([home_product.get(h) == p for h in home])
        skill_cols.append(np.where(rng.random(n_ag) < np.where(homed, 0.97, share), p, ""))
    for tag, share in (("negotiation", 0.25), ("legal", 0.06), ("vip", 0.04)):
        skill_cols.append(np.where(rng.random(n_ag) < share, tag, ""))
    agent_skills = [",".join(t for t in row if t) for row in zip(*skill_cols, strict=True)]
    team_skill = {
        "m2_card": "M2,negotiation",
        "m3": "M3,negotiation",
        "vip": "vip,negotiation",
        "legal": "legal",
    }
    cost_per_contact = np.round(rng.uniform(0.8, 2.4, len(human)), 2)
    teams = pl.DataFrame(
        {
            "team_id": [*human, ROBOT_TEAM, *AGENCIES],
            "kind": ["human"] * len(human) + ["robot", "agency", "agency"],
            "name": [t.replace("_", " ") for t in [*human, ROBOT_TEAM, *AGENCIES]],
            "skills": [
                team_skill.get(t.rsplit("_", 1)[0], t.split("_", 1)[0].upper()) for t in human
            ]
            + ["robot", "skip_trace", "legal"],
            "capacity_cases": [None] * len(human)
            + [team_capacity[t] for t in (ROBOT_TEAM, *AGENCIES)],
            "cost_per_contact": [*cost_per_contact.tolist(), 0.05, 0.0, 0.0],
            "commission_rate": [None] * (len(human) + 1) + [0.18, 0.25],
        },
        schema={
            "team_id": pl.String,
            "kind": pl.String,
            "name": pl.String,
            "skills": pl.String,
            "capacity_cases": pl.Int64,
            "cost_per_contact": pl.Float64,
            "commission_rate": pl.Float64,
        },
    )
    agent_ids = [f"AG{i:05d}" for i in range(n_ag)]
    agents = pl.DataFrame(
        {
            "agent_id": agent_ids,
            "team_id": np.array(human)[agent_team],
            "name": [f"Agent {i}" for i in range(n_ag)],
            "skills": agent_skills,
            "languages": languages,
            "capacity_cases": agent_cap,
            "capacity_minutes": agent_cap * 20,
            "active": rng.random(n_ag) >= 0.02,
        },
        schema_overrides={"capacity_cases": pl.Int64, "capacity_minutes": pl.Int64},
    )

    # Cases held today: ~30 % of customers, all their accounts with one owner, chosen among the
    # teams of the step of the customer's worst account (so some are now ineligible).
    worst = np.lexsort((-dpd, cust))
    first = np.r_[True, cust[worst][1:] != cust[worst][:-1]]
    cust_step = np.full(n_cust, -1)
    cust_step[cust[worst][first]] = segment_ix[worst][first]
    held_c = rng.random(n_cust) < HELD_SHARE
    owner_of = np.empty(n_cust, dtype=object)
    kind_of = np.empty(n_cust, dtype=object)
    team_index = {t: i for i, t in enumerate(human)}
    pick = rng.random(n_cust)
    pick2 = rng.random(n_cust)
    for s, segment in enumerate(SEGMENT_ORDER):
        mask = held_c & (cust_step == s)
        idx = np.flatnonzero(mask)
        listed = step_teams[f"{segment}.owner"]
        if segment == AGENCY_STEP[0]:
            owner_of[idx] = np.array(AGENCIES)[(pick[idx] * len(AGENCIES)).astype(int)]
            kind_of[idx] = "agency"
        elif segment == ROBOT_STEP[0]:
            owner_of[idx], kind_of[idx] = ROBOT_TEAM, "team"
        else:
            t = np.array([team_index[x] for x in listed])[(pick[idx] * len(listed)).astype(int)]
            sizes = per_team[t]
            starts = (np.cumsum(per_team) - per_team)[t]
            owner_of[idx] = np.array(agent_ids)[starts + (pick2[idx] * sizes).astype(int)]
            kind_of[idx] = "agent"
    agency_step = cust_step == SEGMENT_ORDER.index(AGENCY_STEP[0])
    held_days = np.where(agency_step, rng.integers(0, 150, n_cust), rng.integers(0, 45, n_cust))
    stay = rng.random(n_cust) < 0.05
    stay_days = rng.integers(1, 15, n_cust)
    held_acc = held_c[cust]
    day0 = datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, tzinfo=UTC)
    seconds = rng.integers(8 * 3600, 20 * 3600, n_cust)
    ca = cust[held_acc]
    cases = pl.DataFrame(
        {
            "account_id": want.get_column("account_id").filter(pl.Series(held_acc)),
            "owner_id": pl.Series(owner_of[ca].astype(str)),
            "owner_kind": pl.Series(kind_of[ca].astype(str)),
            "assigned_at": pl.Series(
                np.datetime64(day0.replace(tzinfo=None), "us")
                - (held_days[ca] * 86_400 - seconds[ca]).astype("timedelta64[s]")
            ).dt.replace_time_zone("UTC"),
            "stay_until": pl.Series(
                np.where(
                    stay[ca],
                    np.datetime64(RUN_DATE, "D") + stay_days[ca].astype("timedelta64[D]"),
                    np.datetime64("NaT"),
                )
            ).cast(pl.Date),
        }
    ).with_columns(pl.col("assigned_at").cast(pl.Datetime("us", "UTC")))
    return {
        "want": want,
        "teams": teams,
        "agents": agents,
        "cases": cases,
        "strategy": text,
        "facts": {
            "accounts": n,
            "customers": int(np.unique(cust).size),
            "wanted_accounts": int(wanted_total),
            "capacity_accounts": int(sum(team_capacity.values())),
            "capacity_share": round(sum(team_capacity.values()) / wanted_total, 4),
            "agents": int(n_ag),
            "teams": len(human) + 1 + len(AGENCIES),
            "held_accounts": cases.height,
            "demand_by_step": {f"{k}.owner": int(v) for k, v in sorted(demand.items())},
        },
    }
