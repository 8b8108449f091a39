"""The world model's calibration knobs, in one place (docs/simulation.md explains each).

The book itself — instalments, self-cure, promises kept or broken, ageing and write-off — moves
as the training history of `arrears.generate.dynamics` moves; the knobs here say how the
simulated customers answer the contacts a strategy makes, what they cost and when they
complain. Every default has a documented reason; `load_knobs` reads overrides from a YAML file
(`arrears simulate --knobs FILE`) and names the key of a bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from arrears.contract.tables import CHANNELS
from arrears.generate.dynamics import CURE_BANDS, CURE_HAZARD, FULL_SHARE

TONES: tuple[str, ...] = ("reminder", "negotiation", "pressure", "warning")
ROLLING: tuple[str, ...] = ("M1", "M2", "M3", "M4", "M5", "M6")  # buckets with a roll rate
_KEYS: dict[str, tuple[str, ...]] = {"tone": TONES, "roll": ROLLING}
EARLY_DPD = 30  # the tone factors differ up to this dpd (early) and after it (late)
DIALERS: tuple[str, ...] = ("none", "progressive", "predictive", "preview")
ROBOT_DIALERS: tuple[str, ...] = ("robot", "robot-then-human")
LIVE_CHECKS: tuple[str, ...] = ("gate", "exact", "none")
_CHOICES: dict[str, tuple[str, ...]] = {
    "dialer": DIALERS, "robot_dialer": ROBOT_DIALERS, "live_check": LIVE_CHECKS,
}  # fmt: skip
_FLAGS: tuple[str, ...] = ("ability",)
_COUNTS: tuple[str, ...] = ("robot_lines", "ivr_lines", "handover_agents")


def _frozen(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class Knobs:
    # Self-cure: the daily chance that an overdue account pays with no contact at all, by dpd
    # band (upper bounds CURE_BANDS, last open) — many early accounts pay by themselves, few
    # late ones (早期量多易回款，中后期量少难回款).
    cure_hazard: tuple[float, ...] = tuple(float(x) for x in CURE_HAZARD)
    # The lift a contact adds to that hazard (hazard x (1 + lift)): a right-party conversation
    # by channel, a message delivered by channel, a word with a third party.
    lift_rpc: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"human_call": 2.0, "robot_call": 1.0, "ivr": 0.6})
    )
    lift_message: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"sms": 0.25, "email": 0.12, "letter": 0.4, "visit": 1.5})
    )
    lift_third_party: float = 0.3
    lift_decay: float = 0.8  # per day: a contact's lift halves in about three days
    # Tone: a factor on the lift, early (dpd <= EARLY_DPD) and late; and on complaints.
    tone_early: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"reminder": 1.0, "negotiation": 0.9, "pressure": 0.8, "warning": 0.7}
        )
    )
    tone_late: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"reminder": 0.6, "negotiation": 1.1, "pressure": 1.3, "warning": 1.4}
        )
    )
    tone_complaint: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"reminder": 1.0, "negotiation": 1.0, "pressure": 1.6, "warning": 2.0}
        )
    )
    # A right-party conversation ends in a promise to pay with this chance, by channel.
    promise_after_rpc: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"human_call": 0.5, "robot_call": 0.25, "ivr": 0.12})
    )
    # On the world's right-party rates (`dynamics.BASE_RPC`, which describe the training
    # history's mix of attempts): at 1.7 an agent's call to a live debtor number reaches the
    # debtor 10-40 % of the time depending on the hour (tests/unit/simulation check it).
    rpc_scale: float = 1.7
    # Complaints: a chance per contact by channel, times the customer's propensity (lognormal,
    # mean 1), times (1 + slope x contacts in the last 7 days beyond `free_contacts`), times
    # the factors for a call outside 09-20 local time, a third party and the tone.
    complaint_base: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "sms": 0.0002,
                "email": 0.0001,
                "ivr": 0.0004,
                "robot_call": 0.0005,
                "human_call": 0.0008,
                "letter": 0.0002,
                "visit": 0.003,
            }
        )
    )
    complaint_sigma: float = 1.0
    complaint_slope: float = 0.5
    free_contacts: int = 3
    complaint_bad_hour: float = 3.0
    complaint_third_party: float = 4.0
    # Replies: a debtor who gets an SMS opts out of SMS with this chance; a third party
    # spoken to refuses further contact with this one.
    sms_opt_out: float = 0.002
    third_party_refusal: float = 0.2
    # Cost, in the portfolio's currency: per message, per minute of a robot / IVR call and of an
    # agent, minutes per call answered and not, and the agency's commission from the data's
    # `teams.commission_rate` (this one where a team has none).
    cost_message: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"sms": 0.05, "email": 0.01, "letter": 1.5, "visit": 30.0})
    )
    cost_robot_minute: float = 0.03
    cost_ivr_minute: float = 0.02
    cost_agent_minute: float = 1.0
    minutes_answered: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"human_call": 4.0, "robot_call": 1.5, "ivr": 1.0})
    )
    minutes_unanswered: float = 0.5
    agency_commission: float = 0.2
    # Write-off: at this dpd a share of the active accounts still in arrears are written off
    # (they stay in the book: a written-off debt may still be collected, at a lower rate).
    write_off_dpd: int = 181
    write_off_share: float = 0.3
    # What the world does with no contact at all over 30 days: the share of each bucket's
    # accounts that roll past the bucket (rising with the bucket, as real books do). These are
    # the calibration's targets: a change to the world model that moves them fails the tests.
    roll_targets: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {"M1": 0.60, "M2": 0.75, "M3": 0.86, "M4": 0.94, "M5": 0.94, "M6": 0.965}
        )
    )
    # Ability to pay, apart from willingness (`propensity`, which drives the payment hazard and
    # the response to contact): the share of the overdue amount an account can pay within a
    # month. By dpd band (the bands of `cure_hazard`) a share `ability_full` can pay it all
    # (the generator's share of payments in full, so the no-contact world keeps its
    # calibration); the others a Beta share with mean `ability_mean` (falling with the band)
    # and concentration (a + b) `ability_concentration`. Each account keeps its rank (a latent
    # uniform) as it ages, so its ability follows its band. A spontaneous payment pays all
    # (ability 1) or ability x overdue x U(0.5, 1); a promise above what the account can pay
    # is kept in full with chance (can / promised) ** `ability_keep_power`, else only the part
    # it can pay. The means are set so that the no-contact roll rates stay where the
    # generator's amounts put them (within 0.01 in M1-M4 on seeds 23 and 24, 20 000 accounts).
    # `ability: false` restores the generator's amounts (no ability trait).
    ability: bool = True
    ability_full: tuple[float, ...] = tuple(float(x) for x in FULL_SHARE)
    ability_mean: tuple[float, ...] = (0.85, 0.85, 0.8, 0.75, 0.7, 0.65, 0.55, 0.45)
    ability_concentration: float = 4.0
    ability_keep_power: float = 1.0
    # The dialer floor inside the day: `none` (every slotted call happens at a minute of its
    # slot), or each team's human calls worked on a floor of the team's agents (from the
    # book's `agents` table) in this mode, robot and IVR calls on lines of their own
    # (`robot_dialer`: `robot`, or `robot-then-human`, which hands `handover_share` of the
    # robot's conversations to a desk of `handover_agents` agents). A live answer with no
    # agent free within the preset's `live_agent_within_seconds` (2 s) is abandoned; an
    # abandoned call may lead to a complaint, at the agent call's chance x
    # `complaint_abandoned` (a silent call is the nuisance people complain of most; the factor
    # is a house assumption).
    dialer: str = "none"
    robot_dialer: str = "robot"
    robot_lines: int = 100
    ivr_lines: int = 100
    handover_share: float = 0.3
    handover_agents: int = 5
    complaint_abandoned: float = 5.0
    # With `dialer: none`, the calls a real dialer's live pre-dial check would hold back for
    # the day's earlier calls are not placed (`live`): `exact` (the default), every call the
    # real check refuses for the day's earlier calls (a pre-dial check of the day's later
    # calls: 40-65 % of the planner's time at 5 000 accounts); `gate`, only the third-party
    # contacts after the debtor was reached that day (the debtor answered at 10:35,
    # THIRD-PARTY-GATE closes the emergency contact planned for 10:44; NumPy, no cost to
    # speak of; blind to a machine's or a conversation's rest); `none`, every slotted call
    # is placed.
    live_check: str = "exact"

    def __post_init__(self) -> None:
        for name in ("cure_hazard", "ability_full", "ability_mean"):
            if len(getattr(self, name)) != CURE_BANDS.size + 1:
                raise KnobError(name, f"needs {CURE_BANDS.size + 1} values (dpd bands)")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _CHOICES:
                if value not in _CHOICES[f.name]:
                    raise KnobError(f.name, f"one of {', '.join(_CHOICES[f.name])}, not {value!r}")
            elif f.name in _FLAGS:
                if not isinstance(value, bool):
                    raise KnobError(f.name, f"must be true or false, not {value!r}")
            elif f.name in _COUNTS:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise KnobError(f.name, f"must be a whole number >= 0, not {value!r}")
            elif isinstance(value, Mapping):
                allowed = _KEYS.get(f.name.split("_")[0], CHANNELS)
                for key, v in value.items():
                    if key not in allowed:
                        raise KnobError(f"{f.name}.{key}", f"not one of {', '.join(allowed)}")
                    _check_number(f"{f.name}.{key}", v)
            elif isinstance(value, tuple):
                for i, v in enumerate(value):
                    _check_number(f"{f.name}[{i}]", v, upper=1.0)
            else:
                _check_number(f.name, value)
        for name in ("lift_decay", "write_off_share", "handover_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise KnobError(name, "must be between 0 and 1")
        if not all(0.0 < m < 1.0 for m in self.ability_mean):
            raise KnobError("ability_mean", "each must be between 0 and 1 (exclusive)")
        if not self.ability_concentration > 0:
            raise KnobError("ability_concentration", "must be > 0")
        if self.robot_lines < 1 or self.ivr_lines < 1:
            raise KnobError("robot_lines" if self.robot_lines < 1 else "ivr_lines", "at least 1")
        if not isinstance(self.write_off_dpd, int) or self.write_off_dpd < 1:
            raise KnobError("write_off_dpd", "must be a whole number of days, at least 1")

    @property
    def floor_on(self) -> bool:
        """Whether voice calls are worked on a dialer floor (`dialer` is not `none`)."""
        return self.dialer != "none"

    def cure_table(self) -> np.ndarray:
        return np.asarray(self.cure_hazard, dtype=np.float64)

    def by_channel(self, name: str, default: float = 0.0) -> np.ndarray:
        """A channel knob as an array indexed like CHANNELS."""
        table: Mapping[str, float] = getattr(self, name)
        return np.array([float(table.get(c, default)) for c in CHANNELS])

    def by_tone(self, name: str) -> np.ndarray:
        table: Mapping[str, float] = getattr(self, name)
        return np.array([float(table.get(t, 1.0)) for t in TONES])


class KnobError(ValueError):
    def __init__(self, key: str, message: str, source: str | None = None) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}knob {key}: {message}")
        self.key = key


def _check_number(key: str, value: Any, upper: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise KnobError(key, f"must be a number, not {value!r}")
    if not np.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f" and at most {upper}" if upper is not None else ""
        raise KnobError(key, f"must be a finite number >= 0{bound}, not {value!r}")


def load_knobs(path: Path | None) -> Knobs:
    """The default knobs, with the overrides of a YAML file (a mapping of knob → value; a
    channel or tone table is merged key by key)."""
    knobs = Knobs()
    if path is None:
        return knobs
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KnobError("-", f"cannot read: {exc}", str(path)) from exc
    if not isinstance(raw, dict):
        raise KnobError("-", "the file must be a mapping of knob names to values", str(path))
    known = {f.name for f in fields(Knobs)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise KnobError(str(key), "no such knob", str(path))
        current = getattr(knobs, key)
        if isinstance(current, Mapping):
            if not isinstance(value, dict):
                raise KnobError(key, "must be a mapping", str(path))
            changes[key] = _frozen({**current, **value})
        elif isinstance(current, tuple):
            if not isinstance(value, list):
                raise KnobError(key, "must be a list", str(path))
            changes[key] = tuple(value)
        else:
            changes[key] = value
    try:
        return replace(knobs, **changes)
    except KnobError as exc:
        raise KnobError(exc.key, str(exc).split(": ", 1)[-1], str(path)) from None
