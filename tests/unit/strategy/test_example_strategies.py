from pathlib import Path

import pytest

from arrears.examples import STRATEGIES, strategy_path
from arrears.strategy.check import check_strategy
from arrears.strategy.load import load_strategy
from arrears.strategy.plan_exprs import steps_frame

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", STRATEGIES)
def test_each_example_loads_and_checks_clean(name: str) -> None:
    strategy = load_strategy(strategy_path(name))
    assert check_strategy(strategy) == []
    assert steps_frame(strategy).height > 0


def test_the_repository_examples_folder_points_at_the_packaged_copies() -> None:
    link = REPO / "examples" / "strategies"
    assert link.is_symlink()
    assert link.resolve() == strategy_path("seed_example").parent.resolve()


def test_the_mixed_example_uses_every_feature_it_is_meant_to_show() -> None:
    strategy = load_strategy(strategy_path("mixed_example"))
    assert strategy.jurisdiction == ("CN", "US", "GB")
    assert strategy.experiment is not None
    assert [a.weight for a in strategy.experiment.arms] == [80, 20]
    assert strategy.house["contact_hours"] == ["08:00", "21:00"]
    steps = {s.id: s for s in strategy.steps()}
    assert steps["late.emergency"].audience == "emergency"
    assert "debtor_unreachable" in (steps["late.emergency"].when or "")
    assert (steps["m0.sms"].days_before_due, steps["m0.sms"].days) == ((3, 1), ())
    assert steps["m0.email"].days_before_due == (5,)
    assert [b.name for b in strategy.buckets] == ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M6+"]


def test_the_mixed_example_reminds_on_the_promise_day_before_11_and_bounds_its_batches() -> None:
    strategy = load_strategy(strategy_path("mixed_example"))
    ids = [s.id for s in strategy.segments]
    assert ids.index("promise_day") < ids.index("promise_hold")
    [segment] = [s for s in strategy.segments if s.id == "promise_day"]
    assert segment.when is not None and "promise_due_in == 0" in segment.when
    [step] = segment.steps
    assert (step.channel, step.template, step.tone, step.send_by) == (
        "sms", "promise_day_reminder", "reminder", "11:00",
    )  # fmt: skip
    assert set(strategy.dialing["per_hour"]) <= {"sms", "robot_call", "ivr", "email"}
