"""Planning with a template library: every action's words approved and fitting, a strategy that
names what the library cannot give refused before anything is written, gaps fail closed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from arrears.examples import strategy_path, templates_path
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import RunOutcome, run_plan
from arrears.strategy.diagnostics import StrategyError
from arrears.strategy.model import TONES
from arrears.templates.library import Library
from arrears.templates.render import family
from arrears.templates.resolve import AUDIENCE_OF_ROLE, NO_TEMPLATE
from builders import RUN_DATE

WITH_TEMPLATES = strategy_path("mixed_with_templates")
MIXED = strategy_path("mixed_example")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = generate_portfolio(accounts=6000, seed=5, country="mixed", as_of=RUN_DATE)
    folder = tmp_path_factory.mktemp("templates") / "data"
    write_portfolio(tables, folder)
    return folder


@pytest.fixture(scope="module")
def planned(data: Path, tmp_path_factory: pytest.TempPathFactory) -> RunOutcome:
    out = tmp_path_factory.mktemp("run") / "run"
    return run_plan(data=data, strategy_path=WITH_TEMPLATES, run_date=RUN_DATE, out=out)


def customers(data: Path) -> pl.DataFrame:
    return pl.read_parquet(data / "customers.parquet").select("customer_id", "language")


def copy_library(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(templates_path(), root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_action_has_an_approved_template_that_fits_its_channel_audience_language_and_stage(
    planned: RunOutcome, data: Path
) -> None:
    library = Library.load(templates_path())
    actions = planned.record.actions.join(customers(data), on="customer_id", how="left")
    assert actions.height > 1000
    assert actions.get_column("template").null_count() == 0
    assert actions.get_column("template_version").null_count() == 0
    combos = actions.select(
        "template",
        "template_version",
        "template_language",
        "channel",
        "role",
        "language",
        "bucket",
        "dpd",
    ).unique()
    for row in combos.iter_rows(named=True):
        t = library.get(row["template"], row["template_language"], row["template_version"])
        assert t is not None, row
        assert t.approved, row
        assert t.channel == row["channel"], row
        assert t.audience == AUDIENCE_OF_ROLE[row["role"]], row
        assert family(t.language) == family(row["language"]), row
        exact = library.get(row["template"], row["language"])
        assert exact is None or exact.language == t.language, row  # the exact tag first
        assert t.stage.fits(row["bucket"], row["dpd"]), row
    used = {
        library.get(i, lang, v).tone  # type: ignore[union-attr]
        for i, lang, v in combos.select(
            "template", "template_language", "template_version"
        ).iter_rows()
    }
    assert used == set(TONES)
    assert set(combos.get_column("channel")) == {"sms", "robot_call", "human_call"}
    assert set(combos.get_column("template_language")) == {"zh-CN", "en"}


def test_no_contact_is_refused_for_want_of_words_and_emergency_contacts_get_third_party_texts(
    planned: RunOutcome,
) -> None:
    blocked = planned.record.blocked
    assert blocked.filter(pl.col("rule") == NO_TEMPLATE).height == 0
    third = planned.record.actions.filter(pl.col("role") == "emergency")
    assert third.height > 0
    assert set(third.get_column("template")) <= {"emergency_locate", "third_party_contact_call"}
    manifest = json.loads((planned.out / "manifest.json").read_text(encoding="utf-8"))
    assert "templates" in manifest["timings"]  # the stage is timed
    library = Library.load(templates_path())
    assert manifest["templates"]["content_hash"] == library.content_hash  # which words
    assert manifest["templates"]["approved"] == len(library.approved()) > 0


def test_the_mixed_example_plans_the_same_contacts_with_the_library_and_keeps_its_names(
    data: Path, tmp_path: Path
) -> None:
    bare = run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "bare")
    worded = run_plan(
        data=data,
        strategy_path=MIXED,
        run_date=RUN_DATE,
        out=tmp_path / "worded",
        templates=templates_path(),
    )
    a, b = bare.record.actions, worded.record.actions
    assert "template_version" not in a.columns  # without a library nothing changes
    assert a.get_column("action_id").to_list() == b.get_column("action_id").to_list()
    named = a.filter(pl.col("template").is_not_null())
    assert named.height > 0
    joined = named.select("action_id", "template").join(
        b.select("action_id", pl.col("template").alias("resolved")), on="action_id"
    )
    assert (joined["template"] == joined["resolved"]).all()
    # The steps without a template (human calls) now have a script.
    assert a.filter(pl.col("template").is_null()).height > 0
    assert b.get_column("template").null_count() == 0
    assert worded.record.blocked.filter(pl.col("rule") == NO_TEMPLATE).height == 0


def test_a_step_naming_a_missing_template_fails_with_the_step_and_position_and_writes_nothing(
    data: Path, tmp_path: Path
) -> None:
    text = WITH_TEMPLATES.read_text(encoding="utf-8")
    text = text.replace("templates: ../templates", f"templates: {templates_path()}")
    text = text.replace(
        "      - id: m1.robot\n", "      - id: m1.robot\n        template: robot_m9\n", 1
    )
    strategy = tmp_path / "s.yaml"
    strategy.write_text(text, encoding="utf-8")
    line = text.split("\n").index("        template: robot_m9") + 1
    with pytest.raises(StrategyError) as caught:
        run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=tmp_path / "out")
    [message] = [str(d) for d in caught.value.diagnostics]
    assert message == (
        f"{strategy}:{line}:19: error: step 'm1.robot': template 'robot_m9' is not in the "
        f"template library {templates_path()} (did you mean 'robot_m1'?)"
    )
    assert not (tmp_path / "out").exists()


def test_a_step_naming_a_template_with_no_approved_version_fails_validation(
    data: Path, tmp_path: Path
) -> None:
    root = copy_library(tmp_path)
    for lang in ("zh-CN", "en"):
        edit(root / lang / "reminder_1.j2", "state: approved", "state: draft")
    with pytest.raises(StrategyError) as caught:
        run_plan(
            data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "out", templates=root
        )
    messages = [str(d) for d in caught.value.diagnostics]
    assert len(messages) == 2  # the two steps that name it (m1_cn.sms and m1.sms)
    for message in messages:
        assert f"{MIXED}:" in message
        assert "template 'reminder_1' is not approved (draft v1 at " in message
        assert "only approved templates can be planned" in message
    assert not (tmp_path / "out").exists()


def test_a_language_the_library_lacks_refuses_those_contacts_with_no_template(
    data: Path, tmp_path: Path
) -> None:
    root = copy_library(tmp_path)
    edit(root / "zh-CN" / "reminder_1.j2", "state: approved", "state: retired")
    run = run_plan(
        data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "out", templates=root
    )
    refused = run.record.blocked.filter(pl.col("rule") == NO_TEMPLATE)
    assert refused.height > 0
    assert set(refused.get_column("template")) == {"reminder_1"}
    assert set(refused.get_column("detail")) == {
        "template 'reminder_1' has no approved zh-CN version (approved in en)"
    }
    assert refused.get_column("next_allowed_at").null_count() == refused.height
    planned = run.record.actions.filter(pl.col("template") == "reminder_1")
    assert planned.height > 0 and set(planned.get_column("template_language")) == {"en"}


def test_the_templates_own_opt_out_flag_is_what_compliance_checks(
    data: Path, tmp_path: Path
) -> None:
    root = copy_library(tmp_path)
    edit(root / "en" / "m1_reminder_sms.j2", "opt_out_notice: true\n", "")
    run = run_plan(
        data=data,
        strategy_path=WITH_TEMPLATES,
        run_date=RUN_DATE,
        out=tmp_path / "out",
        templates=root,
    )
    refused = run.record.blocked.filter(pl.col("rule") == "US-OPT-OUT-NOTICE")
    assert refused.height > 0
    assert set(refused.get_column("step")) == {"m1.sms"}
    assert set(refused.get_column("template")) == {"m1_reminder_sms"}
    kept = run.record.actions.filter(pl.col("template") == "m1_reminder_sms")
    assert set(kept.get_column("jurisdiction")) <= {"CN", "GB"}
    assert "GB" in set(kept.get_column("jurisdiction"))


def test_a_sharded_plan_resolves_the_same_templates(
    data: Path, planned: RunOutcome, tmp_path: Path
) -> None:
    sharded = run_plan(
        data=data, strategy_path=WITH_TEMPLATES, run_date=RUN_DATE, out=tmp_path / "out", shards=3
    )
    columns = ["action_id", "template", "template_version", "template_language"]
    assert sharded.shards == 3
    assert sharded.record.actions.select(columns).equals(planned.record.actions.select(columns))
