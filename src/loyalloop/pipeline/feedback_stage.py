"""The ``feedback`` stage: text analytics of the run's comments (:mod:`loyalloop.feedback`).

What it reads
-------------
Feedback rows up to the run's as-of day. A **comment** is a row whose ``text`` is not blank;
rows with only a score still count for NPS / CSAT in the competitor benchmark. Comment text is
untrusted: the outputs keep it as data (the report escapes it).

What it saves
-------------
``feedback_analysis``
    One row per comment: ``feedback_id, customer_id, profile_id, timestamp, channel, brand,
    score_type, score, language, sentiment, sentiment_score, aspects, intent, repeat_contact,
    long_wait, transferred, branches, staff`` (``aspects`` in the format of
    :func:`~loyalloop.feedback.analyze_texts`: ``"annual_fee:negative;
    rewards_points:positive"``). ``brand`` is ``own`` where the input left it empty.
``feedback_aspects``
    One row per aspect mention (clause-level sentiment), all brands. ``clause`` is the clause
    as written with phone, card and ID numbers and e-mails **masked** (raw text is never
    stored by a run). ``source`` says why the mention is there: ``text`` (the comment's words
    name the aspect) or ``channel`` (implied by the comment's channel: a judgement naming no
    aspect in an ``app_review`` is about the app, :mod:`~loyalloop.feedback.channel_aspects`).
    ``confidence`` is the reading's confidence that the comment is about the aspect (empty
    where the learned detector does not read it); the cases' ``negative_aspect`` rule weighs
    severity by it to name a comment's main complaint
    (:func:`~loyalloop.feedback.complaints.main_complaint`). ``clause_confidence`` is the same
    for the mention's clause read alone; a rule's ``min_confidence`` keeps an aspect when
    either is at least that high.
``aspect_examples``, ``alert_examples``
    Clearest example clauses per aspect and sentiment, and per alert (masked, as written).
``feedback_signals``
    Intents (cancel, request, complaint, question, praise), effort (repeat contacts, long waits,
    transfers) and the branches and staff named most (own brand).
``aspect_summary``, ``aspect_trends`` (``freq`` = ``W`` or ``M``), ``feedback_alerts``,
``key_drivers`` (one block per score type, ``nps`` and ``csat``), ``topics`` (``scope`` =
``all`` comments or the ``unmatched`` ones no aspect caught), ``channel_comparison``
    **Own brand only**: what our customers say about us. Competitor comments feed the benchmark.
``brand_benchmark``
    NPS, CSAT and sentiment by brand with intervals and Holm-adjusted tests against ``own``.
``kano``
    Only when the warehouse holds a ``kano_answers`` table (``feature, functional,
    dysfunctional``, one row per respondent and feature); the canonical ``feedback`` table has
    no KANO question pairs, so otherwise the manifest's ``feedback.kano_features`` is
    ``NotComputed("not_configured", …)``.

The taxonomy is the run's ``RunConfig.taxonomy`` (a shipped name — ``banking``, ``retail`` —
or a YAML path; ``loyalloop run --taxonomy``) unless ``<home>/feedback_taxonomy.yaml`` exists
(format of ``loyalloop/feedback/taxonomies/banking.yaml``). ``default`` (the setting's default)
means *chosen to fit the comments* (:func:`~loyalloop.feedback.aspects.choose_taxonomy`): a
card business gets the banking aspects, never retail ones; the result records the choice and
why.

Alerts are share-based (:mod:`loyalloop.feedback.trends`), both directions, latest period
first. Key drivers carry bootstrap intervals and a certainty per priority. The cross-channel
check is adjusted for customer mix with the customers' RFM segment. The competitor benchmark
compares within shared channels.

Failure policy (as in the ``clv`` stage): no comments at all → the ``feedback`` slot is
:class:`~loyalloop.core.results.NotComputed` and nothing is saved; a sub-analysis the data
cannot support (e.g. too few scored comments for the key drivers) → that field of
:class:`~loyalloop.core.results.FeedbackSummary` is ``NotComputed`` and the other analyses still
run.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyalloop.core.results import (
    DriverSummary,
    FeedbackSummary,
    NegativeAspect,
    NotComputed,
)
from loyalloop.errors import LoyalloopError
from loyalloop.feedback import (
    Taxonomy,
    aspect_summary,
    aspect_trends,
    brand_benchmark,
    channel_comparison,
    detect_alerts,
    discover_topics,
    kano_summary,
    key_drivers,
    load_taxonomy,
)
from loyalloop.feedback.analyze import analyze_comments
from loyalloop.feedback.aspects import choose_taxonomy
from loyalloop.feedback.summaries import alert_examples, aspect_examples, signal_summary
from loyalloop.pipeline.config import ClauseTextSetting, FeedbackConfig
from loyalloop.pipeline.context import RunContext
from loyalloop.pipeline.profile_keys import rekey_by_profile

__all__ = [
    "DRIVER_SCORE_TYPES",
    "KANO_TABLE",
    "N_EXAMPLES",
    "N_TOPICS",
    "OWN_BRAND",
    "TAXONOMY_FILE",
    "stage_feedback",
]

#: Optional project taxonomy under the project home.
TAXONOMY_FILE = "feedback_taxonomy.yaml"
#: Optional warehouse table of KANO answers (feature, functional, dysfunctional).
KANO_TABLE = "kano_answers"
#: Score types whose key drivers are computed (each on its own scale).
DRIVER_SCORE_TYPES = ("nps", "csat")
#: Defaults of the settings (:class:`~loyalloop.pipeline.config.FeedbackConfig`).
N_TOPICS = FeedbackConfig.topics
N_EXAMPLES = FeedbackConfig.examples_per_topic
OWN_BRAND = "own"
#: Fewest own-brand mentions for an aspect to be named the most complained-about.
MIN_HEADLINE_MENTIONS = 30
_INPUT_COLUMNS = [
    "feedback_id",
    "customer_id",
    "timestamp",
    "channel",
    "brand",
    "score_type",
    "score",
    "text",
    "language",
]


@contextmanager
def _constant_groups_ok() -> Iterator[None]:
    """Welch tests where one group's values are all equal (e.g. a competitor with three identical
    comments) are well defined; scipy still warns about precision loss. Silence only that."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        yield


def _taxonomy(ctx: RunContext, texts: pd.Series) -> tuple[Taxonomy, str, NotComputed | None]:
    """The run's taxonomy, why it was used, and a refused project file (if any)."""
    path = Path(ctx.wh.settings.home) / TAXONOMY_FILE
    refused = None
    if path.is_file():
        try:
            return load_taxonomy(path), f"project file {TAXONOMY_FILE}", None
        except LoyalloopError as exc:
            refused = NotComputed(
                "invalid_config", f"{exc}; a taxonomy fitted to the comments was used"
            )
    elif ctx.config.taxonomy not in ("default", "auto"):
        return load_taxonomy(ctx.config.taxonomy), "run setting", None
    name, reason = choose_taxonomy(texts)
    return load_taxonomy(name), f"chosen to fit the comments: {reason}", refused


def _feedback_rows(ctx: RunContext) -> ir.Table:
    fb = ctx.wh.table("feedback")
    return fb.filter(fb.timestamp < ibis.date(ctx.as_of) + ibis.interval(days=1))


def _read_feedback(ctx: RunContext) -> pd.DataFrame:
    """Feedback up to the as-of day, ordered by ``feedback_id``.

    It does not read the run's ``profile_map`` (:func:`_profile_ids` does, later): in the
    worker process (:mod:`loyalloop.pipeline.parallel`) the comments are read and analysed
    while the runner is still resolving the profiles."""
    frame = _feedback_rows(ctx).select(*_INPUT_COLUMNS).order_by("feedback_id").execute()
    frame = frame[_INPUT_COLUMNS]
    brand = frame["brand"].astype("string").fillna("").str.strip()
    frame["brand"] = brand.where(brand != "", OWN_BRAND).astype(object)
    frame["channel"] = frame["channel"].astype("string").fillna("unknown").astype(object)
    frame["score_type"] = frame["score_type"].astype("string").str.lower().astype(object)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def _profile_ids(ctx: RunContext, feedback_ids: pd.Series) -> pd.Series:
    """The unified profile id of each row of ``feedback_ids`` (missing when the customer is
    unknown), through the run's ``profile_map``."""
    keyed = rekey_by_profile(
        _feedback_rows(ctx).select("feedback_id", "customer_id"),
        ctx.output("profile_map"),
        keep_unknown=True,
    )
    ids = keyed.rename(profile_id="customer_id").execute()
    rows = pd.DataFrame({"feedback_id": feedback_ids.to_numpy()})
    merged = rows.merge(ids, on="feedback_id", how="left", validate="many_to_one")
    return merged["profile_id"].astype("string")


def _with_freq(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "freq", freq)
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Row-bind, leaving out empty frames (pandas warns about them); empty if all are."""
    full = [f for f in frames if not f.empty]
    return pd.concat(full, ignore_index=True) if full else frames[0].iloc[0:0]


def _drivers(
    ctx: RunContext, comments: pd.DataFrame, mentions: pd.DataFrame
) -> dict[str, DriverSummary | NotComputed] | NotComputed:
    blocks = []
    info: dict[str, DriverSummary | NotComputed] = {}
    for score_type in DRIVER_SCORE_TYPES:
        if not (comments["score_type"] == score_type).any():
            continue
        try:
            result = key_drivers(comments, mentions, score_type=score_type)
        except LoyalloopError as exc:
            info[score_type] = NotComputed("insufficient_data", str(exc))
            continue
        table = result.table.copy()
        table.insert(0, "score_type", score_type)
        table["r_squared"] = result.r_squared
        table["n"] = result.n
        blocks.append(table)
        fix = table[table["quadrant"] == "fix first"]
        info[score_type] = DriverSummary(
            r_squared=float(result.r_squared),
            n=int(result.n),
            fix_first=tuple(fix["aspect"].tolist()),
            fix_first_confidence={
                str(a): str(c) for a, c in zip(fix["aspect"], fix["confidence"], strict=True)
            },
        )
    if blocks:
        ctx.save("key_drivers", _concat(blocks))
    elif not info:
        return NotComputed("no_data", "no comment carries an NPS or CSAT score")
    return info


def _topics(
    ctx: RunContext, texts: pd.Series, timestamps: pd.Series, unmatched: int, tax: Taxonomy
) -> tuple[int | NotComputed, int]:
    """Topics of all comments and of the ``unmatched`` ones (no aspect found): their count
    and how many are emerging."""
    blocks = []
    cfg = ctx.config.feedback
    everything = discover_topics(
        texts,
        cfg.topics,
        taxonomy=tax,
        timestamps=timestamps,
        n_examples=4 * cfg.examples_per_topic,
    )
    if not everything.topics.empty:
        blocks.append(everything.topics.assign(scope="all", unassigned=everything.unassigned))
    n_unmatched = min(cfg.topics, max(2, unmatched // cfg.unmatched_per_topic))
    missed = discover_topics(
        texts,
        n_unmatched,
        taxonomy=tax,
        only_unmatched=True,
        timestamps=timestamps,
        n_examples=4 * cfg.examples_per_topic,
    )
    if not missed.topics.empty:
        blocks.append(missed.topics.assign(scope="unmatched", unassigned=missed.unassigned))
    if not blocks:
        reason = "too few comments with shared terms to form topics"
        return NotComputed("insufficient_data", reason), 0
    topics = _concat(blocks)
    topics = topics[
        ["scope", "topic", "size", "share", "phrases", "examples", "recent_share",
         "earlier_share", "emerging", "unassigned"]
    ]  # fmt: skip
    topics["phrases"] = topics["phrases"].map(list)
    topics["examples"] = topics["examples"].map(lambda ex: _distinct(ex, cfg.examples_per_topic))
    ctx.save("topics", topics)
    return len(topics), int(topics["emerging"].sum())


def _distinct(examples: list[str], n: int) -> list[str]:
    """The first ``n`` examples that differ beyond punctuation and spacing (short comments
    often repeat word for word)."""
    seen: set[str] = set()
    out: list[str] = []
    for text in examples:
        key = "".join(ch for ch in str(text).lower() if ch.isalnum())
        if key not in seen:
            seen.add(key)
            out.append(str(text))
    return out[:n]


def _kano(ctx: RunContext) -> int | NotComputed:
    if not ctx.wh.has_table(KANO_TABLE) or not ctx.wh.ibis.table(KANO_TABLE).count().execute():
        return NotComputed(
            "not_configured",
            "no KANO answers: the feedback table has no functional/dysfunctional question pairs "
            f"and the warehouse's {KANO_TABLE!r} table is empty (surveys with KANO questions "
            "fill it)",
        )
    try:
        answers = ctx.wh.ibis.table(KANO_TABLE).execute()
        summary = kano_summary(answers)
    except LoyalloopError as exc:
        return NotComputed("bad_data", str(exc))
    ctx.save("kano", summary)
    return len(summary)


def _segments(ctx: RunContext, profile_ids: pd.Series) -> pd.Series:
    """RFM segment of each mention's customer: the customer mix of a channel."""
    rfm = ctx.output("rfm").select("customer_id", "segment").execute()
    lookup = dict(zip(rfm["customer_id"], rfm["segment"], strict=True))
    return profile_ids.map(lookup).astype("string").fillna("unknown")


def stage_feedback(ctx: RunContext) -> None:
    """Analyse every comment and save the feedback analyses (see the module docstring)."""
    frame = _read_feedback(ctx)
    has_text = frame["text"].astype("string").fillna("").str.strip() != ""
    comments = frame[has_text].reset_index(drop=True)
    if comments.empty:
        ctx.record(
            "feedback", NotComputed("no_data", "no feedback comments with text up to the as-of day")
        )
        return
    tax, why, refused = _taxonomy(ctx, comments["text"])

    raw = ctx.config.feedback.clause_text == ClauseTextSetting.RAW
    result = analyze_comments(comments, taxonomy=tax, raw_text=raw)
    analysed = result.comments
    analysed["profile_id"] = _profile_ids(ctx, analysed["feedback_id"]).set_axis(analysed.index)
    out_cols = [
        "feedback_id", "customer_id", "profile_id", "timestamp", "channel", "brand",
        "score_type", "score", "language", "sentiment", "sentiment_score", "aspects", "intent",
        "repeat_contact", "long_wait", "transferred", "branches", "staff",
    ]  # fmt: skip
    ctx.save("feedback_analysis", analysed[out_cols])
    mentions = result.mentions
    ctx.save("feedback_aspects", mentions)

    own_comments = comments[comments["brand"] == OWN_BRAND]
    own_mentions = mentions[mentions["brand"] == OWN_BRAND]
    summary = aspect_summary(own_mentions, tax)
    keys = set(tax.keys)
    summary.insert(
        2, "label_zh", [tax.label(k, "zh") if k in keys else k for k in summary["aspect"]]
    )
    # what each aspect covers, as the taxonomy says ("": a user's taxonomy without definitions)
    for col, lang in (("definition", "en"), ("definition_zh", "zh")):
        summary[col] = [tax.definition(k, lang) if k in keys else "" for k in summary["aspect"]]
    ctx.save("aspect_summary", summary)
    ctx.save(
        "aspect_examples", aspect_examples(own_mentions, ctx.config.feedback.examples_per_topic)
    )

    weekly = aspect_trends(own_mentions, "W")
    monthly = aspect_trends(own_mentions, "M")
    ctx.save("aspect_trends", _concat([_with_freq(weekly, "W"), _with_freq(monthly, "M")]))
    found = {"W": detect_alerts(weekly), "M": detect_alerts(monthly)}
    alerts = _concat([_with_freq(found["W"], "W"), _with_freq(found["M"], "M")])
    ctx.save("feedback_alerts", alerts)
    ctx.save(
        "alert_examples",
        _concat([_with_freq(alert_examples(found[f], own_mentions, f), f) for f in ("W", "M")]),
    )

    drivers = _drivers(ctx, own_comments, own_mentions)
    own = analysed[analysed["brand"] == OWN_BRAND]
    n_topics, n_emerging = _topics(
        ctx,
        own_comments["text"].astype("string").fillna(""),
        own_comments["timestamp"],
        int((own["aspects"] == "").sum()),
        tax,
    )
    n_kano = _kano(ctx)
    ctx.save("feedback_signals", signal_summary(own))

    scores = frame.merge(analysed[["feedback_id", "sentiment_score"]], on="feedback_id", how="left")
    own_profiles = own.set_index("feedback_id")["profile_id"]
    mix = own_mentions.assign(
        segment=_segments(ctx, own_mentions["feedback_id"].map(own_profiles)).to_numpy()
    )
    with _constant_groups_ok():
        benchmark = brand_benchmark(scores)
        channels = channel_comparison(mix, stratum_column="segment")
    ctx.save("brand_benchmark", benchmark)
    ctx.save("channel_comparison", channels)

    rated = summary[summary["mentions"] >= MIN_HEADLINE_MENTIONS]
    top = rated.sort_values(["share_negative", "aspect"], ascending=[False, True]).head(3)
    ctx.record(
        "feedback",
        FeedbackSummary(
            taxonomy=tax.name,
            comments=len(analysed),
            own_comments=len(own),
            rows_without_text=int((~has_text).sum()),
            languages={str(k): int(v) for k, v in analysed["language"].value_counts().items()},
            share_negative=float((own["sentiment"] == "negative").mean()) if len(own) else None,
            share_positive=float((own["sentiment"] == "positive").mean()) if len(own) else None,
            mean_sentiment=float(own["sentiment_score"].mean()) if len(own) else None,
            aspect_mentions=len(own_mentions),
            top_negative_aspects=tuple(
                NegativeAspect(
                    aspect=str(a),
                    negative=int(n),
                    share_negative=float(sh),
                    net_sentiment=float(net),
                )
                for a, n, sh, net in zip(
                    top["aspect"],
                    top["negative"],
                    top["share_negative"],
                    top["net_sentiment"],
                    strict=True,
                )
            ),
            alerts=len(alerts),
            alerts_latest_period={
                "W": _latest_alerts(alerts, "W", weekly),
                "M": _latest_alerts(alerts, "M", monthly),
            },
            key_drivers=drivers,
            topics=n_topics,
            kano_features=n_kano,
            channel_disagreements=int(channels["disagrees"].sum()) if len(channels) else 0,
            project_taxonomy=refused,
            taxonomy_reason=why,
            alerts_worse=int((alerts["direction"] == "worse").sum()) if len(alerts) else 0,
            alerts_better=int((alerts["direction"] == "better").sum()) if len(alerts) else 0,
            emerging_topics=n_emerging,
            intents={str(k): int(v) for k, v in own["intent"].value_counts().items()},
            effort={f: int(own[f].sum()) for f in ("repeat_contact", "long_wait", "transferred")},
            channel_gaps_from_customer_mix=int((channels["explanation"] == "customer mix").sum())
            if len(channels)
            else 0,
        ),
    )


def _latest_alerts(alerts: pd.DataFrame, freq: str, trends: pd.DataFrame) -> int:
    """Alerts in the latest period of ``trends`` (the one a reader acts on now)."""
    if trends.empty or alerts.empty:
        return 0
    last = trends["period"].max()
    return int(((alerts["freq"] == freq) & (alerts["period"] == last)).sum())
