"""Which template a contact gets: approved, of its stage, channel, audience and language."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from arrears.strategy.load import load_strategy_text
from arrears.templates.library import Library
from arrears.templates.resolve import (
    KEY_SCHEMA,
    check_templates,
    data_languages,
    match,
    with_templates,
)
from template_files import write_template


@pytest.fixture
def library(tmp_path: Path) -> Library:
    root = tmp_path / "lib"
    for language in ("en", "zh-CN"):
        for tone in ("reminder", "pressure"):
            for bucket in ("M1", "M2"):
                write_template(
                    root,
                    id=f"{bucket.lower()}_{tone}_sms",
                    tone=tone,
                    stage=f"{{buckets: [{bucket}]}}",
                    language=language,
                )
        write_template(root, id="wide_reminder_sms", stage="{dpd: [1, 90]}", language=language)
        write_template(
            root,
            id="tp_call",
            channel="human_call",
            audience="third_party",
            stage="{dpd: [1, null]}",
            language=language,
        )
    write_template(root, id="us_reminder_sms", stage="{dpd: [1, 90]}", language="en-US")
    write_template(root, id="m1_reminder_call", channel="human_call", language="en")
    write_template(root, id="drafty", state="draft", approved_by=None, approved_on=None)
    write_template(root, id="old", state="retired")
    return Library.load(root)


def picked(library: Library, **key: object) -> str | None:
    found = library.pick(**{"channel": "sms", "audience": "debtor", **key})  # type: ignore[arg-type]
    return found.template.id if found.template is not None else None


def test_the_tone_picks_the_approved_template_of_the_stage_channel_and_audience(
    library: Library,
) -> None:
    assert picked(library, language="en-GB", bucket="M1", dpd=5) == "m1_reminder_sms"
    assert picked(library, language="zh-CN", bucket="M2", dpd=40, tone="pressure") == (
        "m2_pressure_sms"
    )
    # No M3 template for the tone: the wider DPD range fits, the bucket ones do not.
    assert picked(library, language="zh-CN", bucket="M3", dpd=70) == "wide_reminder_sms"
    assert picked(library, language="en", bucket="M3", dpd=70, tone="pressure") is None
    assert picked(library, language="en", channel="human_call", bucket="M1", dpd=5) == (
        "m1_reminder_call"
    )


def test_the_exact_language_tag_wins_over_its_family_and_the_narrowest_stage_over_wider(
    library: Library,
) -> None:
    assert picked(library, language="en-US", bucket="M3", dpd=70) == "us_reminder_sms"
    assert picked(library, language="en-US", bucket="M1", dpd=5) == "us_reminder_sms"
    assert picked(library, language="en-GB", bucket="M3", dpd=70) == "wide_reminder_sms"
    assert picked(library, language="EN-gb", bucket="M1", dpd=5) == "m1_reminder_sms"
    assert picked(library, language="fr", bucket="M1", dpd=5) is None


def test_a_named_template_must_be_approved_and_fit_or_the_reason_says_why(
    library: Library,
) -> None:
    key = {"language": "en", "bucket": "M1", "dpd": 5}
    assert picked(library, template_id="m2_reminder_sms", **{**key, "bucket": "M2"}) == (
        "m2_reminder_sms"
    )
    cases = {
        "drafty": "template 'drafty' is not approved: v1 draft (",
        "old": "template 'old' is not approved: v1 retired (",
        "nope": "template 'nope' is not in the library",
        "m1_reminder_call": "template 'm1_reminder_call' (",
        "m2_reminder_sms": "is for bucket M2, not M1 (dpd 5)",
        "tp_call": "is for human_call, not sms",
    }
    for name, reason in cases.items():
        found = library.pick(channel="sms", audience="debtor", template_id=name, **key)
        assert found.template is None and not found
        assert reason in found.reason, (name, found.reason)
    found = library.pick(channel="sms", audience="debtor", template_id="m1_reminder_sms_x", **key)
    assert "did you mean 'm1_reminder_sms'?" in found.reason
    assert (
        "has no approved zh-CN version (approved in en)"
        in library.pick(
            channel="human_call",
            audience="debtor",
            template_id="m1_reminder_call",
            language="zh-CN",
            bucket="M1",
            dpd=5,
        ).reason
    )


def test_emergency_contacts_get_only_third_party_texts_and_co_borrowers_none(
    library: Library,
) -> None:
    key = {"channel": "human_call", "language": "en", "bucket": "M1", "dpd": 5}
    assert picked(library, audience="emergency", **key) == "tp_call"
    assert picked(library, audience="third_party", **key) == "tp_call"
    assert picked(library, audience="debtor", **key) == "m1_reminder_call"
    # No third-party text presses: a pressure step to an emergency contact gets nothing.
    assert picked(library, audience="emergency", tone="pressure", **key) is None
    co = library.pick(audience="co_borrower", **key)
    assert co.template is None and "no template audience for the contact role 'co_borrower'" in (
        co.reason
    )


def test_the_vectorized_match_agrees_with_pick_on_every_key(library: Library) -> None:
    keys = [
        {
            "language": lang,
            "channel": ch,
            "audience": aud,
            "bucket": b,
            "dpd": d,
            "tone": tone,
            "template": name,
        }
        for lang in ("en", "en-US", "zh-CN", None)
        for ch in ("sms", "human_call")
        for aud in ("debtor", "third_party", None)
        for b, d in (("M1", 5), ("M2", 40), ("M3", 70), (None, 0))
        for tone in ("reminder", "pressure")
        for name in (None, "m1_reminder_sms", "drafty")
    ]
    out = match(pl.DataFrame(keys, schema=KEY_SCHEMA), library)
    assert out.height == len(keys)
    for key, row in zip(keys, out.iter_rows(named=True), strict=True):
        found = library.pick(
            channel=key["channel"],
            audience=key["audience"] or "co_borrower",
            language=key["language"],
            bucket=key["bucket"],
            dpd=key["dpd"],
            tone=key["tone"],
            template_id=key["template"],
        )
        assert row["t_id"] == (found.template.id if found.template else None), key
        assert (row["t_miss"] is None) == (found.template is not None), key


def candidates(rows: list[dict[str, object]]) -> pl.DataFrame:
    base = {
        "channel": "sms",
        "role": "debtor",
        "bucket": "M1",
        "dpd": 5,
        "tone": "reminder",
        "template": None,
        "language": "en-GB",
        "customer_country": "GB",
        "opt_out_notice": False,
        "third_party_safe": False,
        "rule": None,
    }
    return pl.DataFrame([{**base, **r} for r in rows]).with_columns(
        pl.col("dpd").cast(pl.Int32),
        pl.col("template").cast(pl.String),
        pl.col("language").cast(pl.String),
        pl.col("rule").cast(pl.String),
    )


def test_candidates_get_the_templates_id_version_and_flags_and_keep_their_rows(
    library: Library,
) -> None:
    frame = candidates(
        [
            {},
            {"language": None, "customer_country": "CN", "tone": "pressure"},
            {"role": "emergency", "channel": "human_call", "third_party_safe": False},
            {"template": "drafty"},
            {"language": None, "customer_country": "FR"},
        ]
    )
    out = with_templates(frame, library)
    assert out.height == frame.height
    assert out.get_column("template").to_list() == [
        "m1_reminder_sms",
        "m1_pressure_sms",
        "tp_call",
        "drafty",
        None,
    ]
    assert out.get_column("template_version").to_list() == [1, 1, 1, None, None]
    assert out.get_column("tone").to_list() == [
        "reminder",
        "pressure",
        "reminder",
        "reminder",
        "reminder",
    ]
    assert out.get_column("third_party_safe").to_list() == [False, False, True, False, False]
    misses = out.get_column("_template_miss").to_list()
    assert misses[:3] == [None, None, None]
    assert "template 'drafty' is not approved" in misses[3]
    assert misses[4] == "the customer has no language and none follows from the country"
    assert set(out.columns) == {
        *frame.columns,
        "template_version",
        "template_language",
        "_template_miss",
    }


def test_the_data_languages_fill_a_missing_language_from_the_country() -> None:
    customers = pl.DataFrame(
        {
            "customer_id": ["1", "2", "3", "4"],
            "country": ["CN", "US", "GB", "FR"],
            "language": ["zh-CN", None, "en-GB", None],
        }
    )
    assert data_languages(customers) == ("en-GB", "en-US", "zh-CN")
    assert data_languages(customers.drop("language")) == ("en-GB", "en-US", "zh-CN")


STRATEGY = """\
name: s
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
  M2: [31, 60]
  M3: [61, 90]
segments:
  - id: a
    steps:
      - id: a.sms
        days: [1, 40]
        channel: sms
        template: {template}
      - id: a.tone
        days: [5, 70]
        channel: sms
        tone: pressure
experiment:
  id: e
  arms:
    - id: champion
      weight: 50
    - id: other
      weight: 50
      overrides:
        a.sms: {{template: drafty}}
"""


def diagnostics(library: Library, template: str, languages: list[str] | None = None) -> list[str]:
    strategy = load_strategy_text(STRATEGY.format(template=template), "s.yaml")
    return [str(d) for d in check_templates(strategy, library, languages)]


def test_a_step_naming_a_missing_or_unapproved_template_is_an_error_at_its_position(
    library: Library,
) -> None:
    found = diagnostics(library, "nope")
    assert found[0] == (
        f"s.yaml:14:19: error: step 'a.sms': template 'nope' is not in the template library "
        f"{library.root}"
    )
    draft_override = [d for d in found if "arm 'other'" in d]
    assert draft_override == [
        f"s.yaml:27:27: error: step 'a.sms' (arm 'other'): template 'drafty' is not approved "
        f"(draft v1 at {library.root}/en/drafty.j2:9): only approved templates can be planned"
    ]
    old = diagnostics(library, "old")[0]
    assert old.startswith("s.yaml:14:19: error: step 'a.sms': template 'old' is not approved")
    assert "retired v1" in old


def test_a_named_template_must_fit_the_steps_channel_audience_and_every_day(
    library: Library,
) -> None:
    channel = [d for d in diagnostics(library, "tp_call") if "sends sms" in d]
    assert [d.split(" (")[0] for d in channel] == [
        "s.yaml:14:19: error: step 'a.sms' sends sms but template 'tp_call'"
    ] * 2  # the en and the zh-CN version
    assert "(en, " in channel[0] and "(zh-CN, " in channel[1]
    assert channel[0].endswith("is for human_call")
    assert any(
        "speaks to the debtor but template 'tp_call'" in d for d in diagnostics(library, "tp_call")
    )
    stage = [d for d in diagnostics(library, "m1_reminder_sms") if "fires on" in d]
    assert len(stage) == 2  # the en and the zh-CN version
    assert "step 'a.sms' fires on day 40 but template 'm1_reminder_sms' (en, " in stage[0]
    assert stage[0].endswith("is for bucket M1")


def test_gaps_are_warnings_a_missing_language_and_a_tone_without_a_template(
    library: Library,
) -> None:
    found = diagnostics(library, "wide_reminder_sms", ["en-US", "fr"])
    errors = [d for d in found if ": error: " in d]
    assert errors == [d for d in found if "arm 'other'" in d]  # only the draft override
    assert any(
        "warning: step 'a.sms': template 'wide_reminder_sms' has no approved version for "
        "fr customers (approved in en, zh-CN)" in d
        for d in found
    )
    tone = [d for d in found if "a.tone" in d]
    assert any(
        "no approved sms template with tone pressure for the debtor in en-US on day 70" in d
        for d in tone
    ), tone
    assert any("in fr on days 5, 70" in d for d in tone), tone
