import polars as pl
import pytest

from arrears.hashing import fnv1a64_one
from arrears.strategy.experiment import SLOTS, arm_thresholds, assign_arms
from arrears.strategy.model import Arm, Experiment

EXPERIMENT = Experiment("exp", "exp", (Arm("champion", 80), Arm("challenger", 20)))


def ids(n: int, prefix: str = "acc") -> pl.Series:
    return pl.Series("account_id", [f"{prefix}{i:07d}" for i in range(n)])


def test_without_an_experiment_every_account_is_champion() -> None:
    arms = assign_arms(ids(5), None)
    assert arms.dtype == pl.String
    assert arms.to_list() == ["champion"] * 5


def test_an_accounts_arm_does_not_change_when_others_are_added_or_removed() -> None:
    everyone = ids(20_000)
    full = dict(zip(everyone, assign_arms(everyone, EXPERIMENT), strict=True))
    subset = everyone.sample(fraction=0.1, seed=7)
    with_strangers = pl.concat([subset, ids(500, prefix="new")])
    assigned = dict(zip(with_strangers, assign_arms(with_strangers, EXPERIMENT), strict=True))
    assert all(assigned[a] == full[a] for a in subset)


def test_the_split_follows_the_weights() -> None:
    arms = assign_arms(ids(100_000), EXPERIMENT)
    share = (arms == "challenger").mean()
    assert share == pytest.approx(0.20, abs=0.01)


def test_uneven_and_fractional_weights_are_honoured() -> None:
    experiment = Experiment("e", "s", (Arm("a", 0.5), Arm("b", 0.25), Arm("c", 0.25)))
    counts = assign_arms(ids(60_000), experiment).value_counts(normalize=True)
    shares = dict(zip(counts["arm"], counts["proportion"], strict=True))
    assert shares == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25}, abs=0.015)


def test_the_arm_is_the_documented_hash_of_salt_and_account_id() -> None:
    slot = fnv1a64_one("exp:acc0000042") % SLOTS
    expected = "champion" if slot < 8000 else "challenger"
    assert assign_arms(pl.Series(["acc0000042"]), EXPERIMENT).to_list() == [expected]


def test_a_different_salt_reshuffles_the_accounts() -> None:
    other = Experiment("exp", "another-salt", EXPERIMENT.arms)
    a, b = assign_arms(ids(5000), EXPERIMENT), assign_arms(ids(5000), other)
    assert (a != b).sum() > 500


def test_thresholds_are_cumulative_weights_scaled_to_the_slots() -> None:
    assert arm_thresholds(EXPERIMENT) == [8000, 10_000]
    three = Experiment("e", "e", (Arm("a", 1), Arm("b", 1), Arm("c", 1)))
    assert arm_thresholds(three) == [3333, 6666, 10_000]


def test_non_positive_weights_are_refused() -> None:
    bad = Experiment("e", "e", (Arm("a", 1), Arm("b", 0)))
    with pytest.raises(ValueError, match="positive"):
        assign_arms(ids(3), bad)


def test_a_null_account_id_gets_no_arm_and_empty_input_gives_empty_output() -> None:
    assert assign_arms(pl.Series(["x", None]), EXPERIMENT)[1] is None
    assert assign_arms(pl.Series([], dtype=pl.String), EXPERIMENT).len() == 0
