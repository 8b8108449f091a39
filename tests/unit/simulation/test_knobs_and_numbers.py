"""Calibration knobs (loading, errors naming the key) and the common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.simulation.crn import PURPOSES, stream, uniform
from arrears.simulation.knobs import KnobError, Knobs, load_knobs


def test_a_knobs_file_overrides_and_merges_tables(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text("rpc_scale: 1.2\nlift_rpc: {robot_call: 1.5}\ncost_agent_minute: 0.6\n")
    knobs = load_knobs(path)
    assert knobs.rpc_scale == 1.2 and knobs.cost_agent_minute == 0.6
    assert knobs.lift_rpc["robot_call"] == 1.5
    assert knobs.lift_rpc["human_call"] == Knobs().lift_rpc["human_call"]  # merged, not replaced
    assert load_knobs(None) == Knobs()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("no_such_knob: 1\n", "no_such_knob"),
        ("rpc_scale: -1\n", "rpc_scale"),
        ("rpc_scale: fast\n", "rpc_scale"),
        ("lift_rpc: {fax: 1.0}\n", "lift_rpc.fax"),
        ("tone_late: {shouting: 2.0}\n", "tone_late.shouting"),
        ("cure_hazard: [0.1, 0.2]\n", "cure_hazard"),
        ("cure_hazard: [0.1, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 1.5]\n", "cure_hazard[7]"),
        ("lift_decay: 1.5\n", "lift_decay"),
        ("- a list\n", "-"),
    ],
)
def test_a_bad_knob_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(text)
    with pytest.raises(KnobError) as caught:
        load_knobs(path)
    assert str(path) in str(caught.value)
    assert f"knob {key}:" in str(caught.value)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    day=st.integers(0, 40_000),
    keys=st.lists(st.integers(0, 2**40), min_size=1, max_size=50),
)
def test_keyed_uniforms_are_reproducible_in_range_and_differ_by_purpose(
    seed: int, day: int, keys: list[int]
) -> None:
    k = np.array(keys, dtype=np.int64)
    a = uniform(seed, day, "answer", k)
    assert np.array_equal(a, uniform(seed, day, "answer", k))
    assert ((a >= 0) & (a < 1)).all()
    assert not np.array_equal(a, uniform(seed, day, "outcome", k)) or len(keys) == 0
    # one key's number does not depend on the other keys drawn with it
    assert uniform(seed, day, "answer", k[:1])[0] == a[0]


def test_keyed_uniforms_are_uniform_and_streams_are_per_day_and_purpose() -> None:
    u = uniform(5, 20_000, "answer", np.arange(200_000), np.arange(200_000) % 24)
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    assert counts.min() > 9_500 and counts.max() < 10_500
    assert stream(1, 2, "payments").random() == stream(1, 2, "payments").random()
    assert stream(1, 2, "payments").random() != stream(1, 3, "payments").random()
    assert len(set(PURPOSES)) == len(PURPOSES)
