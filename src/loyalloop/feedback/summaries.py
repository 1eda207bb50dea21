"""Verbatims and counts a CX report shows: example clauses, intent, effort and entities.

Examples are clauses **as written** by the customer (from the mention table, which is masked
by :func:`~loyalloop.feedback.analyze.analyze_comments` unless raw text was allowed); they are
masked again here (:func:`~loyalloop.feedback.pii.mask_pii` is idempotent), so a verbatim that
reaches a report is always safe to show.

Where the mention table says why each mention is there (its ``source`` column), examples are
chosen from the mentions **read from the words** (``source = "text"``) first, and from those
the comment's channel implies (``"channel"``: an app-store review's "Love it" filed under the
app, :mod:`~loyalloop.feedback.channel_aspects`) only when the words give fewer than asked
for. An example shows the reader what customers say about the aspect; "Love it" shows that
they judged something, and only the channel says what. So the app's examples name the app
("The app keeps logging me out") as long as some comments do, and an aspect heard only through
the channel still gets examples.
"""

from __future__ import annotations

import re

import pandas as pd

from loyalloop.feedback.channel_aspects import CHANNEL_SOURCE
from loyalloop.feedback.pii import mask_pii
from loyalloop.feedback.verdict import INTENT_VERDICT

__all__ = ["alert_examples", "aspect_examples", "signal_summary"]

_KEY = re.compile(r"[\W\d_]+")


def _distinct(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    keys = frame["clause"].astype(str).str.lower().str.replace(_KEY, "", regex=True)
    return frame[~keys.duplicated()].head(n)


def _implied(mentions: pd.DataFrame) -> pd.Series:
    """Whether each mention is implied by its comment's channel rather than read from the
    words (all ``False`` for a mention table without ``source``; see the module docs)."""
    if "source" not in mentions.columns:
        return pd.Series(False, index=mentions.index)
    return mentions["source"].astype(str).eq(CHANNEL_SOURCE)


def aspect_examples(mentions: pd.DataFrame, n: int = 2) -> pd.DataFrame:
    """Per aspect and sentiment (negative, positive): the ``n`` clearest distinct clauses,
    those read from the words before those the channel implies (module docs).

    Returns
    -------
    pandas.DataFrame
        ``aspect, sentiment, feedback_id, clause, sentiment_score`` (clauses masked).
    """
    cols = ["aspect", "sentiment", "feedback_id", "clause", "sentiment_score"]
    if mentions.empty:
        return pd.DataFrame(columns=cols)
    polar = mentions[mentions["sentiment"].isin(["negative", "positive"])]
    polar = polar.assign(_strength=polar["sentiment_score"].abs(), _implied=_implied(polar))
    polar = polar.sort_values(["aspect", "sentiment", "_implied", "_strength", "feedback_id"],
                              ascending=[True, True, True, False, True])  # fmt: skip
    parts = [_distinct(g, n) for _, g in polar.groupby(["aspect", "sentiment"], sort=True)]
    out = pd.concat(parts, ignore_index=True) if parts else polar.iloc[0:0]
    out = out[cols].copy()
    out["clause"] = out["clause"].astype(str).map(mask_pii)
    return out.reset_index(drop=True)


def alert_examples(
    alerts: pd.DataFrame, mentions: pd.DataFrame, freq: str, n: int = 2
) -> pd.DataFrame:
    """Per alert: ``n`` clauses of the alerted aspect and direction from the alerted period(s),
    the clearest first, those read from the words before those the channel implies (module
    docs).

    ``alerts`` from :func:`~loyalloop.feedback.trends.detect_alerts` on trends of frequency
    ``freq`` (``W`` or ``M``); returns ``period, aspect, kind, clause`` (masked).
    """
    cols = ["period", "aspect", "kind", "clause"]
    if alerts.empty or mentions.empty:
        return pd.DataFrame(columns=cols)
    ts = pd.to_datetime(mentions["timestamp"])
    start = ts.dt.to_period("W-SUN" if freq == "W" else "M").dt.start_time
    m = mentions.assign(_period=start)
    rows = []
    offset = pd.DateOffset(weeks=1) if freq == "W" else pd.DateOffset(months=1)
    for rec in alerts.to_dict("records"):
        last = pd.Timestamp(str(rec["period"]))
        first = last - offset * (int(str(rec["periods"])) - 1)
        want = "negative" if rec["direction"] == "worse" else "positive"
        sel = m[(m["aspect"] == rec["aspect"]) & (m["_period"] >= first) & (m["_period"] <= last)
                & (m["sentiment"] == want)]  # fmt: skip
        sel = sel.assign(_s=sel["sentiment_score"].abs(), _implied=_implied(sel))
        sel = sel.sort_values(["_implied", "_s", "feedback_id"], ascending=[True, False, True])
        for clause in _distinct(sel, n)["clause"]:
            rows.append((rec["period"], rec["aspect"], rec["kind"], mask_pii(str(clause))))
    return pd.DataFrame(rows, columns=cols)


def signal_summary(comments: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Counts of intents, effort signals and named branches / staff in analysed comments.

    A branch or staff member is listed by name only when named in more than one comment: one
    mention of a staff number is an anecdote, not a pattern to act on. Those named once are
    summed into one row per kind (``branch_once`` / ``staff_once``, with ``name`` the number of
    such names and ``comments`` the comments naming them), so no comment drops out of the counts.

    ``comments`` from :func:`~loyalloop.feedback.analyze.analyze_comments`. Returns
    ``kind, name, comments, share, share_negative`` with ``kind`` in ``intent``, ``effort``,
    ``branch``, ``staff`` (the ``top`` most named branches and staff), ``branch_once``,
    ``staff_once``; ``share_negative`` is NaN for an intent that settles the comment's sentiment
    (:data:`~loyalloop.feedback.verdict.INTENT_VERDICT`: complaints are negative by definition).
    """
    n = len(comments)
    rows = []
    if n == 0:
        return pd.DataFrame(columns=["kind", "name", "comments", "share", "share_negative"])
    neg = comments["sentiment"] == "negative"
    for intent, count in comments["intent"].value_counts().items():
        sel = comments["intent"] == intent
        # the intent settles these comments' sentiment (feedback.verdict): nothing to count
        share = float("nan") if intent in INTENT_VERDICT else float(neg[sel].mean())
        rows.append(("intent", str(intent), int(count), count / n, share))
    for flag in ("repeat_contact", "long_wait", "transferred"):
        sel = comments[flag].astype(bool)
        if sel.any():
            rows.append(("effort", flag, int(sel.sum()), sel.mean(), float(neg[sel].mean())))
    for kind, col in (("branch", "branches"), ("staff", "staff")):
        names = comments[col].fillna("").str.split("; ").explode()
        names = names[names != ""]
        counts = names.value_counts()
        listed = counts[counts > 1]
        lists = comments[col].fillna("").str.split("; ")
        for name, count in listed.head(top).items():
            sel = lists.map(lambda v, nm=name: nm in v)
            rows.append((kind, str(name), int(count), count / n, float(neg[sel].mean())))
        rare = set(counts[counts == 1].index)
        if rare:
            sel = lists.map(lambda v, rs=rare: bool(rs.intersection(v)))
            rows.append((f"{kind}_once", str(len(rare)), int(sel.sum()), sel.mean(),
                         float(neg[sel].mean())))  # fmt: skip
    return pd.DataFrame(rows, columns=["kind", "name", "comments", "share", "share_negative"])
