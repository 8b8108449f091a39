"""The planner's template resolution: every contact gets an approved template, or a reason.

A step names a template id or only a tone. With a library configured, each candidate contact
is matched against the library's approved templates on

- language: the customer's `language` (or, when missing, the country's: CN → zh-CN, US →
  en-US, GB → en-GB); a template of the exact tag wins over one of its family (`en` serves
  `en-US` and `en-GB`);
- channel;
- audience: the contact's role — `debtor` → debtor, `guarantor` → guarantor, `emergency` and
  `third_party` → third_party; a `co_borrower` has no template audience and gets none;
- stage: the template's buckets hold the account's bucket, or its DPD range holds its dpd;
- and the step's template id when it names one, else its tone.

Among several fits: the exact language tag first, then the narrowest stage (a bucket counts
30 days), then the id, then the highest version. The match is one join over the distinct
(language, channel, audience, bucket, dpd, tone, template) keys of the day — a few thousand at
most, whatever the number of accounts — joined back to the contacts; only the keys left
without a template are explained one by one. A contact without a template is refused with
the rule NO-TEMPLATE (fail closed: no words, no contact).

With a template, the contact's `tone`, `opt_out_notice` and `third_party_safe` are the
template's own (the words are the truth the compliance rules check), `template` is the
resolved id, `template_version` its version and `template_language` the language of the file
used (the id and version alone do not say which language's file it was).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from arrears.strategy.diagnostics import Diagnostic, Severity
from arrears.strategy.model import NOWHERE, Mark, Step, Strategy
from arrears.templates.library import Library, Template, TemplateError
from arrears.templates.render import family

AUDIENCE_OF_ROLE: dict[str, str] = {
    "debtor": "debtor",
    "guarantor": "guarantor",
    "emergency": "third_party",
    "third_party": "third_party",
}
"""The template audience for a contact role (or a template audience itself)."""

COUNTRY_LANGUAGE: dict[str, str] = {"CN": "zh-CN", "US": "en-US", "GB": "en-GB"}
"""The language of a customer whose `language` is missing, by country."""

NO_TEMPLATE = "NO-TEMPLATE"
KEYS: tuple[str, ...] = ("language", "channel", "audience", "bucket", "dpd", "tone", "template")
KEY_SCHEMA: dict[str, pl.DataType] = {
    "language": pl.String(),
    "channel": pl.String(),
    "audience": pl.String(),
    "bucket": pl.String(),
    "dpd": pl.Int32(),
    "tone": pl.String(),
    "template": pl.String(),
}
RESOLVED: dict[str, pl.DataType] = {
    "t_id": pl.String(),
    "t_version": pl.Int32(),
    "t_language": pl.String(),
    "t_tone": pl.String(),
    "t_audience": pl.String(),
    "t_opt_out": pl.Boolean(),
    "t_miss": pl.String(),
}
_LIBRARY_SCHEMA: dict[str, pl.DataType] = {
    "t_id": pl.String(),
    "t_version": pl.Int32(),
    "t_language": pl.String(),
    "t_lang": pl.String(),
    "t_tone": pl.String(),
    "t_channel": pl.String(),
    "t_audience": pl.String(),
    "t_buckets": pl.List(pl.String()),
    "t_lo": pl.Int32(),
    "t_hi": pl.Int32(),
    "t_width": pl.Int64(),
    "t_opt_out": pl.Boolean(),
}


def library_frame(library: Library) -> pl.DataFrame:
    """One row per approved template version: what the join matches against."""
    rows = [
        {
            "t_id": t.id,
            "t_version": t.version,
            "t_language": t.language,
            "t_lang": t.language.lower(),
            "t_tone": t.tone,
            "t_channel": t.channel,
            "t_audience": t.audience,
            "t_buckets": list(t.stage.buckets) if t.stage.buckets is not None else None,
            "t_lo": t.stage.dpd[0] if t.stage.dpd is not None else None,
            "t_hi": t.stage.dpd[1] if t.stage.dpd is not None else None,
            "t_width": t.stage.width,
            "t_opt_out": t.opt_out_notice,
        }
        for t in library.approved()
    ]
    return pl.DataFrame(rows, schema=_LIBRARY_SCHEMA)


def match(keys: pl.DataFrame, library: Library) -> pl.DataFrame:
    """`keys` (the KEYS columns, nulls allowed) with the resolved template's columns
    (RESOLVED): `t_id` … null and `t_miss` saying why when nothing fits."""
    k = (
        keys.select([pl.col(c).cast(t) for c, t in KEY_SCHEMA.items()])
        .unique(maintain_order=True)
        .with_row_index("_k")
    )
    k = k.with_columns(
        pl.col("language").str.to_lowercase().alias("_lang"),
        pl.col("language").str.to_lowercase().str.split("-").list.first().alias("_family"),
    )
    pairs = k.join(
        library_frame(library),
        left_on=["channel", "audience"],
        right_on=["t_channel", "t_audience"],
        how="inner",
        coalesce=False,
    )
    stage_fits = (
        pl.when(pl.col("t_buckets").is_not_null())
        .then(pl.col("t_buckets").list.contains(pl.col("bucket")))
        .otherwise(
            (pl.col("dpd") >= pl.col("t_lo"))
            & (pl.col("t_hi").is_null() | (pl.col("dpd") <= pl.col("t_hi")))
        )
    )
    wanted = (
        pl.when(pl.col("template").is_not_null())
        .then(pl.col("t_id") == pl.col("template"))
        .otherwise(pl.col("t_tone") == pl.col("tone"))
    )
    language_fits = (pl.col("t_lang") == pl.col("_lang")) | (pl.col("t_lang") == pl.col("_family"))
    best = (
        pairs.filter((language_fits & stage_fits & wanted).fill_null(False))
        .with_columns((pl.col("t_lang") == pl.col("_lang")).alias("_exact"))
        .sort(
            ["_k", "_exact", "t_width", "t_id", "t_version"],
            descending=[False, True, False, False, True],
        )
        .unique("_k", keep="first", maintain_order=True)
        .select("_k", "t_id", "t_version", "t_language", "t_tone", "t_audience", "t_opt_out")
    )
    out = k.join(best, on="_k", how="left").sort("_k")
    misses = out.filter(pl.col("t_id").is_null())
    reasons = pl.DataFrame(
        {
            "_k": misses.get_column("_k"),
            "t_miss": [
                explain_miss(library, **key) for key in misses.select(KEYS).iter_rows(named=True)
            ],
        },
        schema={"_k": out.schema["_k"], "t_miss": pl.String()},
    )
    return (
        out.join(reasons, on="_k", how="left")
        .sort("_k")
        .select(*KEYS, *[pl.col(c).cast(t) for c, t in RESOLVED.items()])
    )


def match_one(
    library: Library,
    *,
    channel: str,
    audience: str | None,
    language: str | None,
    bucket: str | None,
    dpd: int | None,
    tone: str,
    template_id: str | None,
    role: str | None = None,
) -> Template | str:
    """The template for one contact by the same join as the planner's, or why none."""
    key = {
        "language": language,
        "channel": channel,
        "audience": audience,
        "bucket": bucket,
        "dpd": dpd,
        "tone": tone,
        "template": template_id,
    }
    found = match(pl.DataFrame([key], schema=KEY_SCHEMA), library).row(0, named=True)
    if found["t_id"] is None:
        reason = str(found["t_miss"])
        if audience is None and role is not None:
            reason = f"no template audience for the contact role '{role}' " + (
                f"(audiences: {', '.join(sorted(set(AUDIENCE_OF_ROLE.values())))})"
            )
        return reason
    template = library.get(found["t_id"], found["t_language"], found["t_version"])
    assert template is not None  # the frame is built from the library
    return template


def explain_miss(
    library: Library,
    *,
    language: str | None,
    channel: str | None,
    audience: str | None,
    bucket: str | None,
    dpd: int | None,
    tone: str | None,
    template: str | None,
) -> str:
    """Why no approved template fits one key: the first condition that rules every one out."""
    if audience is None:
        return "no template audience for this contact's role (co-borrowers have none)"
    if language is None:
        return "the customer has no language and none follows from the country"
    where = f"{bucket or 'no bucket'} (dpd {dpd})"

    def speaks(t: Template) -> bool:
        lang = t.language.lower()
        return lang in (language.lower(), family(language))

    if template is not None:
        versions = library.versions(template)
        if not versions:
            close = difflib.get_close_matches(template, sorted(library.ids()), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return f"template '{template}' is not in the library {library.root}{hint}"
        approved = [t for t in versions if t.approved]
        if not approved:
            states = ", ".join(
                f"v{t.version} {t.state} ({t.where(t.line_of('state'))})" for t in versions
            )
            return f"template '{template}' is not approved: {states}"
        in_language = [t for t in approved if speaks(t)]
        if not in_language:
            others = ", ".join(sorted({t.language for t in approved}))
            return (
                f"template '{template}' has no approved {language} version (approved in {others})"
            )
        t = in_language[0]
        if t.channel != channel:
            return f"template '{template}' ({t.where()}) is for {t.channel}, not {channel}"
        if t.audience != audience:
            return (
                f"template '{template}' ({t.where()}) is for the {t.audience}, not the {audience}"
            )
        return f"template '{template}' ({t.where()}) is for {t.stage}, not {where}"
    pool = [t for t in library.approved() if t.channel == channel and t.audience == audience]
    what = f"{channel} template for the {audience}"
    if not pool:
        return f"no approved {what} in the library {library.root}"
    pool = [t for t in pool if speaks(t)]
    if not pool:
        return f"no approved {what} in {language}"
    toned = [t for t in pool if t.tone == tone]
    if not toned:
        return f"no approved {what} in {language} with tone {tone}"
    stages = "; ".join(sorted({str(t.stage) for t in toned}))
    return f"no approved {what} in {language} with tone {tone} at {where} (stages: {stages})"


# -- the planner's stage ----------------------------------------------------------------------


def language_expr(columns: Iterable[str]) -> pl.Expr:
    """The customer's language, else the one of its country (null when neither is known)."""
    present = set(columns)
    own = pl.col("language") if "language" in present else pl.lit(None, dtype=pl.String)
    country = (
        pl.col("customer_country").replace_strict(COUNTRY_LANGUAGE, default=None)
        if "customer_country" in present
        else pl.lit(None, dtype=pl.String)
    )
    return pl.coalesce(own.cast(pl.String), country.cast(pl.String))


def with_templates(candidates: pl.DataFrame, library: Library) -> pl.DataFrame:
    """Candidate contacts with their resolved template (see the module's docstring).

    Adds `template_version`, `template_language` (which file of the id: its language folder)
    and `_template_miss` (why a contact has no template; null when it has one); overwrites
    `template`, `tone`, `opt_out_notice` and `third_party_safe` with the template's where one
    was found. Rows are neither added nor dropped.
    """
    sources = {
        "language": language_expr(candidates.columns),
        "channel": pl.col("channel"),
        "audience": pl.col("role").replace_strict(AUDIENCE_OF_ROLE, default=None),
        "bucket": pl.col("bucket"),
        "dpd": pl.col("dpd"),
        "tone": pl.col("tone"),
        "template": pl.col("template"),
    }
    framed = candidates.with_columns(
        expr.cast(KEY_SCHEMA[name]).alias(f"_k_{name}") for name, expr in sources.items()
    )
    keys = framed.select(pl.col(f"_k_{name}").alias(name) for name in KEYS)
    matched = match(keys, library).rename({name: f"_k_{name}" for name in KEYS})
    joined = framed.join(
        matched,
        on=[f"_k_{name}" for name in KEYS],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    found = pl.col("t_id").is_not_null()
    return joined.with_columns(
        pl.coalesce("t_id", "template").alias("template"),
        pl.col("t_version").alias("template_version"),
        pl.col("t_language").alias("template_language"),
        pl.coalesce("t_tone", "tone").alias("tone"),
        pl.when(found)
        .then(pl.col("t_opt_out"))
        .otherwise(pl.col("opt_out_notice"))
        .alias("opt_out_notice"),
        pl.when(found)
        .then(pl.col("third_party_safe").fill_null(False) | (pl.col("t_audience") == "third_party"))
        .otherwise(pl.col("third_party_safe"))
        .alias("third_party_safe"),
        pl.when(found).then(None).otherwise(pl.col("t_miss")).alias("_template_miss"),
    ).drop(*[f"_k_{name}" for name in KEYS], *RESOLVED)


def refuse_unresolved(checked: pl.DataFrame) -> pl.DataFrame:
    """Contacts the guard allowed but that have no template are refused: NO-TEMPLATE, with
    the reason, never allowed again until the library changes. A refusal of the guard stands."""
    if "_template_miss" not in checked.columns:
        return checked
    miss = pl.col("_template_miss").is_not_null() & pl.col("rule").is_null()
    return checked.with_columns(
        pl.when(miss).then(pl.lit(NO_TEMPLATE)).otherwise(pl.col("rule")).alias("rule"),
        pl.when(miss).then(pl.col("_template_miss")).otherwise(pl.col("detail")).alias("detail"),
        pl.when(miss).then(None).otherwise(pl.col("next_allowed_at")).alias("next_allowed_at"),
    ).drop("_template_miss")


# -- configuration and the strategy's check ---------------------------------------------------


def library_for(strategy: Strategy, override: Path | None = None) -> Library | None:
    """The library a plan uses: `override` (`--templates`), else the strategy's `templates:`
    (relative to the strategy file), else None (template ids pass through as written)."""
    if override is not None:
        return Library.load(override)
    if strategy.templates is None:
        return None
    path = Path(strategy.source).parent / strategy.templates
    if not path.is_dir():
        mark = strategy.marks.get("templates", NOWHERE)
        message = (
            f"templates: no template library at {path} (the path is relative to the strategy file)"
        )
        raise TemplateError(
            [Diagnostic(strategy.source, mark.line, mark.column, message, "error", "templates")]
        )
    return Library.load(path)


def data_languages(customers: pl.DataFrame) -> tuple[str, ...]:
    """The languages the customers need, as the planner reads them (country fills gaps)."""
    framed = customers.select(
        pl.col("country").alias("customer_country") if "country" in customers.columns else [],
        *([pl.col("language")] if "language" in customers.columns else []),
    )
    found = framed.select(language_expr(framed.columns).alias("l")).get_column("l")
    return tuple(sorted(str(x) for x in found.drop_nulls().unique()))


@dataclass(frozen=True)
class _Use:
    """A step as one arm plans it: the fields templates depend on, and where they are set."""

    step: Step
    arm: str | None
    channel: str
    audience: str
    template: str | None
    days: tuple[int, ...]  # days past due (a due-relative step: dpd 0)
    mark: Mark


def _uses(strategy: Strategy) -> Iterator[_Use]:
    arms = strategy.experiment.arms if strategy.experiment is not None else ()
    for step in strategy.steps():
        base = _Use(
            step,
            None,
            step.channel,
            step.audience,
            step.template,
            step.dpd_days,
            step.marks.get("template", step.marks.get("", NOWHERE)),
        )
        seen = {(base.channel, base.audience, base.template, base.days)}
        yield base
        for arm in arms:
            fields: Mapping[str, Any] = arm.overrides.get(step.id, {})
            if not fields or fields.get("enabled") is False:
                continue
            use = _Use(
                step,
                arm.id,
                str(fields.get("channel", step.channel)),
                str(fields.get("audience", step.audience)),
                fields.get("template", step.template),
                step.dpd_days_in(fields),
                arm.marks.get(f"overrides/{step.id}/template", base.mark)
                if "template" in fields
                else base.mark,
            )
            key = (use.channel, use.audience, use.template, use.days)
            if key not in seen:
                seen.add(key)
                yield use


def _bucket_of(strategy: Strategy, day: int) -> str | None:
    return next((b.name for b in strategy.buckets if b.contains(day)), None)


def days_text(days: Sequence[int]) -> str:
    """`1-3, 7, 15-16`: runs of consecutive days joined."""
    out: list[str] = []
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(out)


def check_templates(
    strategy: Strategy, library: Library, languages: Sequence[str] | None = None
) -> list[Diagnostic]:
    """The strategy's steps against the library, at the steps' positions in the strategy file.

    Errors: a step (or an arm's override) naming a template that is not in the library, has no
    approved version, or whose approved versions do not fit the step's channel, audience or
    the stage of every day it fires. Warnings: a named template with no approved version in a
    language of `languages` (the data's; those contacts will be refused NO-TEMPLATE), a step
    whose tone or opt-out flag differs from its template's (the template's are planned), and
    a step without a template for which the library has no approved one on some day and
    language (`languages`, else the library's own).
    """
    out: list[Diagnostic] = []

    def add(mark: Mark, message: str, code: str, severity: Severity = "error") -> None:
        out.append(Diagnostic(strategy.source, mark.line, mark.column, message, severity, code))

    wanted = tuple(languages) if languages is not None else library.languages
    for use in _uses(strategy):
        who = f"step '{use.step.id}'" + (f" (arm '{use.arm}')" if use.arm else "")
        if use.template is None:
            _check_toned(strategy, library, use, who, wanted, add)
        else:
            _check_named(strategy, library, use, who, languages, add)
    return sorted(set(out), key=lambda d: (d.line, d.column, d.message))


def _check_named(
    strategy: Strategy,
    library: Library,
    use: _Use,
    who: str,
    languages: Sequence[str] | None,
    add: Any,
) -> None:
    name = use.template
    assert name is not None
    versions = library.versions(name)
    if not versions:
        close = difflib.get_close_matches(name, sorted(library.ids()), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        add(
            use.mark,
            f"{who}: template '{name}' is not in the template library {library.root}{hint}",
            "unknown-template",
        )
        return
    approved = [t for t in versions if t.approved]
    if not approved:
        states = ", ".join(
            f"{t.state} v{t.version} at {t.where(t.line_of('state'))}" for t in versions
        )
        add(
            use.mark,
            f"{who}: template '{name}' is not approved ({states}): only approved "
            "templates can be planned",
            "unapproved-template",
        )
        return
    audience = AUDIENCE_OF_ROLE.get(use.audience)
    for t in approved:
        if t.channel != use.channel:
            add(
                use.mark,
                f"{who} sends {use.channel} but template '{name}' ({t.language}, "
                f"{t.where()}) is for {t.channel}",
                "template-channel",
            )
        if audience is None:
            add(
                use.mark,
                f"{who}: the {use.audience} has no template audience (debtor, "
                "guarantor, third_party)",
                "template-audience",
            )
        elif t.audience != audience:
            add(
                use.mark,
                f"{who} speaks to the {use.audience} but template '{name}' "
                f"({t.language}, {t.where()}) is for the {t.audience}",
                "template-audience",
            )
        outside = [d for d in use.days if not t.stage.fits(_bucket_of(strategy, d), d)]
        if outside:
            add(
                use.mark,
                f"{who} fires on day{'s' if len(outside) > 1 else ''} "
                f"{days_text(outside)} but template '{name}' ({t.language}, {t.where()}) is for "
                f"{t.stage}",
                "template-stage",
            )
        step = use.step
        if "tone" in step.marks and step.tone != t.tone:
            add(
                step.marks["tone"],
                f"{who} says tone {step.tone} but template '{name}' "
                f"({t.language}) is {t.tone}: the template's tone is planned",
                "template-tone",
                "warning",
            )
        if step.opt_out_notice and not t.opt_out_notice:
            add(
                step.marks.get("opt_out_notice", use.mark),
                f"{who} is flagged opt_out_notice "
                f"but template '{name}' ({t.language}, {t.where()}) offers no opt-out: the "
                "template's flag is planned",
                "template-opt-out",
                "warning",
            )
    for language in languages or ():
        fam = family(language)
        if not any(t.language.lower() in (language.lower(), fam) for t in approved):
            add(
                use.mark,
                f"{who}: template '{name}' has no approved version for {language} "
                f"customers (approved in {', '.join(sorted({t.language for t in approved}))}): "
                f"their contacts are refused {NO_TEMPLATE}",
                "template-language",
                "warning",
            )


def _check_toned(
    strategy: Strategy,
    library: Library,
    use: _Use,
    who: str,
    languages: Sequence[str],
    add: Any,
) -> None:
    audience = AUDIENCE_OF_ROLE.get(use.audience)
    tone = use.step.tone
    mark = use.step.marks.get("tone", use.step.marks.get("channel", use.mark))
    if audience is None:
        add(
            mark,
            f"{who}: the {use.audience} has no template audience (debtor, guarantor, "
            f"third_party): its contacts are refused {NO_TEMPLATE}",
            "no-template",
            "warning",
        )
        return
    rows = [
        {
            "language": language,
            "channel": use.channel,
            "audience": audience,
            "bucket": _bucket_of(strategy, day),
            "dpd": day,
            "tone": tone,
            "template": None,
        }
        for language in languages
        for day in use.days
    ]
    if not rows:
        return
    found = match(pl.DataFrame(rows, schema=KEY_SCHEMA), library).filter(pl.col("t_id").is_null())
    for (language,), group in found.group_by("language", maintain_order=True):
        days = days_text(group.get_column("dpd").to_list())
        add(
            mark,
            f"{who}: no approved {use.channel} template with tone {tone} for the "
            f"{audience} in {language} on day{'s' if group.height > 1 else ''} {days}: those "
            f"contacts are refused {NO_TEMPLATE}",
            "no-template",
            "warning",
        )


def checked_library(
    strategy: Strategy,
    override: Path | None = None,
    customers: pl.DataFrame | None = None,
) -> Library | None:
    """The plan's library, refused (TemplateError, errors only) when the strategy names a
    template it cannot plan; None when no library is configured."""
    library = library_for(strategy, override)
    if library is None:
        return None
    languages = data_languages(customers) if customers is not None else None
    errors = [d for d in check_templates(strategy, library, languages) if d.severity == "error"]
    if errors:
        raise TemplateError(errors)
    return library
