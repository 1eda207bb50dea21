"""Re-key a table by unified profile: the one way the pipeline maps source customer ids to the
profile ids of its ``profile_map`` (:func:`loyalloop.data.unify.build_profiles`)."""

from __future__ import annotations

import ibis.expr.types as ir

__all__ = ["rekey_by_profile"]


def rekey_by_profile(
    table: ir.Table,
    id_map: ir.Table,
    *,
    keep_unknown: bool = False,
    source_column: str | None = None,
) -> ir.Table:
    """``table`` with ``customer_id`` replaced by the profile id.

    Parameters
    ----------
    table
        Any table with a ``customer_id`` column of source customer ids.
    id_map
        ``customer_id → profile_id`` (the run's ``profile_map``).
    keep_unknown
        Keep rows whose customer is missing or unknown to the map, with a null ``customer_id``
        (default: drop them).
    source_column
        Keep the source customer id under this name, right after ``customer_id``.

    Returns
    -------
    ibis.Table
        The columns of ``table`` in their order (plus ``source_column``).
    """
    ids = id_map.select(_cid="customer_id", _pid="profile_id")
    how = "left" if keep_unknown else "inner"
    joined = table.join(ids, table.customer_id == ids._cid, how=how)
    cols: dict[str, ir.Value] = {}
    for c in table.columns:
        if c == "customer_id":
            cols["customer_id"] = joined._pid
            if source_column:
                cols[source_column] = joined[c]
        else:
            cols[c] = joined[c]
    return joined.select(**cols)
