"""KANO analysis of functional / dysfunctional question pairs.

Each respondent answers, per feature, the functional question ("if the card had X, how would you
feel?") and the dysfunctional one ("if it did not have X?") on the five-point KANO scale
``like, must-be, neutral, live-with, dislike``. The standard evaluation table (Berger et al.
1993, *Center for Quality Management Journal* 2(4)) maps each pair to a category:

=============  ====  =======  =======  =========  =======
functional ↓   like  must-be  neutral  live-with  dislike
=============  ====  =======  =======  =========  =======
like           Q     A        A        A          O
must-be        R     I        I        I          M
neutral        R     I        I        I          M
live-with      R     I        I        I          M
dislike        R     R        R        R          Q
=============  ====  =======  =======  =========  =======

A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable. A feature's
category is the most frequent one; ties are broken M > O > A > I > R > Q (Berger's rule: the
category that hurts most when missing wins). Better = (A + O) / (A + O + M + I) and
Worse = -(O + M) / (A + O + M + I) (Berger's customer-satisfaction coefficients).

Answers may be given as the English words above, 1-5 codes (1 = like … 5 = dislike) or Chinese
(喜欢, 理所当然/必须, 无所谓, 能忍受, 不喜欢).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from loyalloop.errors import DataValidationError

__all__ = ["KANO_ANSWERS", "KANO_CATEGORIES", "kano_category", "kano_chart", "kano_summary"]

KANO_ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")
KANO_CATEGORIES = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
_TABLE = (
    "QAAAO",
    "RIIIM",
    "RIIIM",
    "RIIIM",
    "RRRRQ",
)
_TIE_ORDER = "MOAIRQ"
_ALIASES: dict[str, int] = {
    "like": 0, "i like it": 0, "喜欢": 0, "很喜欢": 0, "1": 0,
    "must-be": 1, "must be": 1, "mustbe": 1, "expect": 1, "i expect it": 1, "理所当然": 1,
    "必须": 1, "应该的": 1, "理应如此": 1, "2": 1,
    "neutral": 2, "indifferent": 2, "i am neutral": 2, "无所谓": 2, "中立": 2, "3": 2,
    "live-with": 3, "live with": 3, "tolerate": 3, "i can live with it": 3, "能忍受": 3,
    "可以忍受": 3, "4": 3,
    "dislike": 4, "i dislike it": 4, "不喜欢": 4, "很不喜欢": 4, "5": 4,
}  # fmt: skip


def _answer_index(value: Any, where: str) -> int:
    key = str(value).strip().lower()
    if key.endswith(".0"):
        key = key[:-2]
    idx = _ALIASES.get(key)
    if idx is None:
        raise DataValidationError(
            f"{where}: {value!r} is not a KANO answer (use {', '.join(KANO_ANSWERS)} or 1-5)"
        )
    return idx


def kano_category(functional: Any, dysfunctional: Any) -> str:
    """Category letter (A, O, M, I, R, Q) of one answer pair.

    Examples
    --------
    >>> kano_category("like", "dislike")
    'O'
    >>> kano_category("neutral", "dislike")
    'M'
    >>> kano_category("喜欢", "无所谓")
    'A'
    """
    f = _answer_index(functional, "functional answer")
    d = _answer_index(dysfunctional, "dysfunctional answer")
    return _TABLE[f][d]


def kano_summary(
    answers: pd.DataFrame,
    *,
    feature_column: str = "feature",
    functional_column: str = "functional",
    dysfunctional_column: str = "dysfunctional",
) -> pd.DataFrame:
    """Per feature: counts of each category, the category, better and worse coefficients.

    Parameters
    ----------
    answers
        One row per respondent and feature.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, n, A, O, M, I, R, Q, category, category_name, better, worse``.
    """
    for col in (feature_column, functional_column, dysfunctional_column):
        if col not in answers.columns:
            raise DataValidationError(f"KANO answers have no column {col!r}")
    letters = [
        kano_category(f, d)
        for f, d in zip(answers[functional_column], answers[dysfunctional_column], strict=True)
    ]
    df = pd.DataFrame({"feature": answers[feature_column].astype(str), "cat": letters})
    counts = pd.crosstab(df["feature"], df["cat"]).reindex(columns=list("AOMIRQ"), fill_value=0)
    rows = []
    for feature, c in counts.iterrows():
        top = max(_TIE_ORDER, key=lambda k: (c[k], -_TIE_ORDER.index(k)))
        base = c["A"] + c["O"] + c["M"] + c["I"]
        better = (c["A"] + c["O"]) / base if base else float("nan")
        worse = -(c["O"] + c["M"]) / base if base else float("nan")
        counts_k = [int(c[k]) for k in "AOMIRQ"]
        rows.append((feature, int(c.sum()), *counts_k, top, KANO_CATEGORIES[top], better, worse))
    cols = ["feature", "n", "A", "O", "M", "I", "R", "Q", "category", "category_name"]
    return pd.DataFrame(rows, columns=[*cols, "better", "worse"])


def kano_chart(summary: pd.DataFrame) -> Any:
    """Plotly scatter of |worse| (x) against better (y), one labelled point per feature.

    The quadrants at 0.5 read: top-left attractive, top-right one-dimensional, bottom-right
    must-be, bottom-left indifferent. Feature names are passed as data, never as HTML.
    """
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Scatter(
            x=summary["worse"].abs(),
            y=summary["better"],
            text=summary["feature"],
            mode="markers+text",
            textposition="top center",
            hovertemplate="%{text}<br>worse %{x:.2f}<br>better %{y:.2f}<extra></extra>",
        )
    )
    fig.add_hline(y=0.5, line_dash="dot")
    fig.add_vline(x=0.5, line_dash="dot")
    fig.update_layout(
        xaxis={"title": "|worse| (dissatisfaction if absent)", "range": [0, 1]},
        yaxis={"title": "better (satisfaction if present)", "range": [0, 1]},
        title="KANO better / worse",
    )
    return fig
