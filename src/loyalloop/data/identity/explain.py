"""Explanations of scored pairs: which fields agreed, how much each counted.

Every scored pair gets one label per field (the comparison level it reached, e.g.
``name: same pinyin``) and a sentence::

    weight 17.3 (p = 0.99999): agreed name (same pinyin), birth_date (same), address (same),
    city (same); disagreed phone (different); missing email

The weight is splink's match weight: log2 of the odds that the two records are one person,
the prior included. Each agreeing field adds its own weight, each disagreeing field subtracts;
``missing`` (a value absent on either side) counts for nothing.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from loyalloop.data.identity.model import FIELDS, field_level_labels

__all__ = ["SCORE_SCHEMA", "explain_pairs"]

#: Columns of an explained score table.
SCORE_SCHEMA = pa.schema(
    [
        ("customer_id_l", pa.string()),
        ("customer_id_r", pa.string()),
        ("match_weight", pa.float64()),
        ("match_probability", pa.float64()),
        *[(f.name, pa.string()) for f in FIELDS],
        ("explanation", pa.string()),
    ]
)


def explain_pairs(scores: pa.Table | None) -> pa.Table:
    """Label the comparison levels of ``scores`` and add the explanation sentence.

    Parameters
    ----------
    scores
        ``customer_id_l, customer_id_r, match_weight, match_probability, gamma_<field>…``
        (:class:`loyalloop.data.identity.model.PairScores`), or ``None`` for no scores.

    Returns
    -------
    pyarrow.Table
        :data:`SCORE_SCHEMA`.
    """
    if scores is None or scores.num_rows == 0:
        return SCORE_SCHEMA.empty_table()
    cols: dict[str, pa.Array] = {
        "customer_id_l": scores.column("customer_id_l").cast(pa.string()).combine_chunks(),
        "customer_id_r": scores.column("customer_id_r").cast(pa.string()).combine_chunks(),
        "match_weight": scores.column("match_weight").cast(pa.float64()).combine_chunks(),
        "match_probability": scores.column("match_probability").cast(pa.float64()).combine_chunks(),
    }
    labels: dict[str, list[str]] = {}
    for f in FIELDS:
        table = field_level_labels(f)
        gamma = scores.column(f"gamma_{f.name}").to_pylist()
        labels[f.name] = [
            table.get(int(g), "missing") if g is not None else "missing" for g in gamma
        ]
        cols[f.name] = pa.array(labels[f.name], pa.string())
    weights = cols["match_weight"].to_pylist()
    probs = cols["match_probability"].to_pylist()
    sentences = []
    for k in range(scores.num_rows):
        agreed, disagreed, missing = [], [], []
        for f in FIELDS:
            label = labels[f.name][k]
            if label == "missing":
                missing.append(f.name)
            elif label == "different":
                disagreed.append(f"{f.name} (different)")
            else:
                agreed.append(f"{f.name} ({label})")
        parts = [f"weight {weights[k]:.1f} (p = {_prob(probs[k])})"]
        body = []
        if agreed:
            body.append("agreed " + ", ".join(agreed))
        if disagreed:
            body.append("disagreed " + ", ".join(disagreed))
        if missing:
            body.append("missing " + ", ".join(missing))
        sentences.append(parts[0] + ": " + "; ".join(body))
    cols["explanation"] = pa.array(sentences, pa.string())
    out = pa.table(cols, schema=SCORE_SCHEMA)
    # one row per unordered pair, smaller id on the left (splink already orders them)
    swap = pc.greater(out.column("customer_id_l"), out.column("customer_id_r"))
    if pc.any(swap).as_py():
        left = pc.if_else(swap, out.column("customer_id_r"), out.column("customer_id_l"))
        right = pc.if_else(swap, out.column("customer_id_l"), out.column("customer_id_r"))
        out = out.set_column(0, "customer_id_l", left).set_column(1, "customer_id_r", right)
    return out


def _prob(p: float | None) -> str:
    if p is None:
        return "?"
    if p >= 0.99995:
        return "> 0.9999"
    return f"{p:.4f}"
