"""``loyalloop clv …``: fit CLV models on an RFM summary file and score customers.

Thin: the file is opened as an Ibis table on an in-memory DuckDB (so a fit only brings the
distinct rows into Python and scoring streams in batches), then :mod:`loyalloop.clv` does the
work. The summary file (CSV or Parquet) has ``customer_id, frequency, recency, T`` and
optionally ``monetary_value``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from loyalloop.core.csvsafe import spreadsheet_safe
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import DataValidationError, LoyalloopError

__all__ = ["app"]

app = typer.Typer(
    help="Customer lifetime value: fit BG/NBD, Pareto/NBD … on an RFM summary and score it. "
    "客户终身价值：在 RFM 汇总上拟合模型并打分。",
    no_args_is_help=True,
)

T = TypeVar("T")


class ModelName(StrEnum):
    bg_nbd = "bg-nbd"
    mbg_nbd = "mbg-nbd"
    pareto_nbd = "pareto-nbd"
    bg_bb = "bg-bb"


DataOpt = Annotated[
    Path, typer.Option("--data", help="RFM summary, CSV or Parquet (customer_id, frequency, …).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _run(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except LoyalloopError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None


def _dump(obj: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(obj), ensure_ascii=False, indent=2, default=str)


def _open(path: Path) -> Any:
    """The file as an Ibis table on an in-memory DuckDB."""
    import ibis

    if not path.exists():
        raise DataValidationError(f"file {path} does not exist")
    con = ibis.duckdb.connect()
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return con.read_parquet(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return con.read_csv(path)
    raise DataValidationError(f"{path}: expected a .csv or .parquet file")


def _model_class(name: ModelName) -> Any:
    from loyalloop import clv

    return {
        ModelName.bg_nbd: clv.BetaGeoModel,
        ModelName.mbg_nbd: clv.ModifiedBetaGeoModel,
        ModelName.pareto_nbd: clv.ParetoNBDModel,
        ModelName.bg_bb: clv.BetaGeoBetaBinomModel,
    }[name]


def _describe(model: Any) -> dict[str, Any]:
    out = model.to_dict()
    out.pop("covariance", None)
    return out


@app.command()
def fit(
    data: DataOpt,
    model_out: Annotated[Path, typer.Option("--model-out", help="Where to write the model.")],
    model: Annotated[
        ModelName, typer.Option("--model", help="Transaction model.")
    ] = ModelName.bg_nbd,
    spend_out: Annotated[
        Path | None,
        typer.Option("--spend-out", help="Also fit Gamma-Gamma on repeat buyers; write it here."),
    ] = None,
    time_unit: Annotated[
        TimeUnit,
        typer.Option(
            "--time-unit",
            parser=TimeUnit.parse,
            metavar=TimeUnit.choices(),
            help="Unit of recency and T, stored with the model (a month is 30.4375 days). "
            "recency 和 T 的时间单位（天/周/月），随模型保存。",
        ),
    ] = TimeUnit.DAYS,
    json_out: JsonOpt = False,
) -> None:
    """Fit a transaction model (and optionally the Gamma-Gamma spend model)."""

    def go() -> None:
        from loyalloop.clv import GammaGammaModel

        table = _open(data)
        # Customers first seen at the very end carry no information about rates (as in the
        # pipeline's clv stage): fit without them; `predict` still scores them.
        unobserved = int(table.filter(table["T"] <= 0).count().execute())
        table = table.filter(table["T"] > 0)
        if unobserved and int(table.count().execute()) == 0:
            raise DataValidationError(
                f"all {unobserved:,} customers have T = 0 (observed for no time): nothing to fit"
            )
        if json_out:
            fitted = _model_class(model)().fit(table, time_unit=time_unit)
        else:
            from rich.console import Console

            with Console(stderr=True).status(f"fitting {model.value} …") as status:
                fitted = _model_class(model)().fit(
                    table,
                    time_unit=time_unit,
                    progress=lambda i, ll: status.update(
                        f"fitting {model.value}: iteration {i}, mean log-likelihood {ll:.6f}"
                    ),
                )
        fitted.save(model_out)
        result: dict[str, Any] = {
            "model_file": str(model_out),
            "model": _describe(fitted),
            "excluded_T0": unobserved,
        }
        if spend_out is not None:
            repeat = table.filter(table.frequency > 0)
            spend = GammaGammaModel().fit(repeat, time_unit=time_unit)
            spend.save(spend_out)
            result["spend_model_file"] = str(spend_out)
            result["spend_model"] = _describe(spend)
        if json_out:
            typer.echo(_dump(result))
            return
        for key in ("model", "spend_model"):
            if key not in result:
                continue
            m = result[key]
            typer.echo(
                f"{m['model']}: n={m['data_period']['n_customers']} "
                f"({m['data_period']['n_distinct']} distinct rows), "
                f"log-likelihood {m['log_likelihood']:.6g}"
            )
            for name, value in m["params"].items():
                se = m["standard_errors"].get(name)
                se_text = f" (se {se:.4g})" if se is not None else ""
                typer.echo(f"  {name} = {value:.6g}{se_text}")
        if unobserved:
            typer.echo(f"left out {unobserved:,} customer(s) with T = 0 (first seen at the end)")
        typer.echo(f"model written to {model_out}")
        if spend_out is not None:
            typer.echo(f"spend model written to {spend_out}")

    _run(go)


@app.command()
def predict(
    data: DataOpt,
    model: Annotated[Path, typer.Option("--model", help="Model file from `clv fit`.")],
    out: Annotated[Path, typer.Option("--out", help="Scores file to write (.csv or .parquet).")],
    t: Annotated[
        float, typer.Option("--t", help="Horizon for expected purchases (data time units).")
    ] = 30.0,
    spend_model: Annotated[
        Path | None, typer.Option("--spend-model", help="Gamma-Gamma model file: adds CLV.")
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="CLV periods (months).")] = 12,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", help="Discount rate per period.")
    ] = 0.01,
    time_unit: Annotated[
        TimeUnit | None,
        typer.Option(
            "--time-unit",
            parser=TimeUnit.parse,
            metavar=TimeUnit.choices(),
            help="Unit of recency and T; default: the unit the model was fitted with. CLV "
            "discounts by month (30.4375 days). 数据时间单位，默认取模型拟合时的单位。",
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per batch.")] = 500_000,
    json_out: JsonOpt = False,
) -> None:
    """Score every customer: P(alive), expected purchases in ``t`` and (with a spend model) CLV."""

    def go() -> None:
        from loyalloop.clv import GammaGammaModel, TransactionModel, clv_totals, load_model, score

        fitted = load_model(model)
        if not isinstance(fitted, TransactionModel):
            raise DataValidationError(
                f"{model} holds a {type(fitted).__name__}, not a transaction model"
            )
        spend = None
        if spend_model is not None:
            spend = GammaGammaModel.load(spend_model)
        batches = score(
            fitted,
            _open(data),
            t=t,
            spend_model=spend,
            horizon=horizon,
            discount_rate=discount_rate,
            time_unit=time_unit,
            batch_size=batch_size,
        )
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".parquet", ".pq"):
            raise DataValidationError(f"{out}: expected a .csv or .parquet file")
        writer: Any = None
        try:
            for i, batch in enumerate(batches):
                if suffix == ".csv":
                    spreadsheet_safe(batch).to_csv(
                        out, mode="w" if i == 0 else "a", header=i == 0, index=False
                    )
                else:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    table = pa.Table.from_pandas(batch, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(str(out), table.schema)
                    writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        totals = clv_totals(_open(out))
        n = totals.customers
        summary: dict[str, Any] = {
            "scores_file": str(out),
            "model": type(fitted).__name__,
            "customers": n,
            "mean_probability_alive": totals.mean_probability_alive,
            "t": t,
            "total_expected_purchases": totals.total_expected_purchases,
        }
        if spend is not None:
            summary["total_clv"] = totals.total_clv
            summary["top_decile_share"] = totals.top_decile_share
            summary["horizon"] = horizon
            summary["discount_rate"] = discount_rate
            summary["time_unit"] = (
                str(time_unit) if time_unit is not None else fitted.data_period_.time_unit
            )
        if json_out:
            typer.echo(_dump(summary))
            return
        typer.echo(f"scored {n} customers with {summary['model']} → {out}")
        if n:
            typer.echo(f"  mean P(alive): {summary['mean_probability_alive']:.4f}")
        typer.echo(f"  expected purchases in next {t:g}: {summary['total_expected_purchases']:.1f}")
        if totals.total_clv is not None:
            typer.echo(f"  total CLV over {horizon} months: {totals.total_clv:,.2f}")
            if totals.top_decile_share is not None:
                typer.echo(f"  top 10% of customers hold {100 * totals.top_decile_share:.1f}%")

    _run(go)
