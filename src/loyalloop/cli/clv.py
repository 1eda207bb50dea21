"""``loyalloop clv …``: fit CLV models on an RFM summary file and score customers.

Thin: the file is opened as an Ibis table on an in-memory DuckDB (so a fit only brings the
distinct rows into Python and scoring streams in batches), then :mod:`loyalloop.clv` does the
work. The summary file (CSV or Parquet) has ``customer_id, frequency, recency, T`` and
optionally ``monetary_value`` — what ``loyalloop export rfm`` writes (in days).

Time units: one vocabulary (:class:`loyalloop.core.timeunits.TimeUnit`: days, weeks, months and
their aliases), in ``fit`` (stored with the model) and in ``predict`` (default: the unit stored
with the model; a different one is refused). ``--t`` (horizon of expected purchases) is in that
unit; its default is one month (30.4375 days, 4.348 weeks, 1 month), the period ``--horizon``
counts for CLV.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from loyalloop.cli.common import JsonOpt, LangOpt, input_file, lang_of, output_file, status
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import DataValidationError, IngestError, ModelError

__all__ = ["ModelName", "app"]

PANEL = "Models 模型"

app = typer.Typer(
    help="Customer lifetime value: fit BG/NBD, Pareto/NBD … on an RFM summary and score it. "
    "客户终身价值：在 RFM 汇总上拟合模型并打分。",
    no_args_is_help=True,
)


class ModelName(StrEnum):
    """Repeat-transaction model."""

    bg_nbd = "bg-nbd"
    mbg_nbd = "mbg-nbd"
    pareto_nbd = "pareto-nbd"
    bg_bb = "bg-bb"


RFM_COLUMNS = ("frequency", "recency", "T")

DataOpt = Annotated[
    Path,
    typer.Option(
        "--data",
        help="RFM summary, CSV or Parquet (customer_id, frequency, recency, T[, monetary_value]). "
        "RFM 汇总文件。",
    ),
]


def _open(path: Path, *, spend: bool = False) -> Any:
    """The file as an Ibis table on an in-memory DuckDB, checked to be an RFM summary."""
    import ibis

    from loyalloop.core.warehouse import engine_errors

    input_file(path, what="data file")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv", ".tsv", ".txt"):
        raise DataValidationError(f"{path}: expected a .csv or .parquet file")
    con = ibis.duckdb.connect()
    try:
        table = con.read_parquet(path) if suffix in (".parquet", ".pq") else con.read_csv(path)
    except (*engine_errors(), ibis.common.exceptions.IbisError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        kind = "Parquet" if suffix in (".parquet", ".pq") else "CSV"
        raise IngestError(f"cannot read as {kind}: {first}", file=str(path)) from None
    _check_summary(table, path, spend=spend)
    return table


def _check_summary(table: Any, path: Path, *, spend: bool) -> None:
    """Refuse a file that is not an RFM summary, naming what is missing or mistyped."""
    needed = (*RFM_COLUMNS, *(("monetary_value",) if spend else ()))
    present = list(table.columns)
    missing = [c for c in needed if c not in present]
    if missing:
        hint = (
            " It looks like a transactions file: an RFM summary has one row per customer; "
            "make one with `loyalloop run` then `loyalloop export rfm --out rfm.csv`."
            if {"timestamp", "amount"} & set(present) or "transaction_id" in present
            else ""
        )
        raise DataValidationError(
            f"{path} is not an RFM summary: column(s) {', '.join(missing)} missing "
            f"(it has {', '.join(present) or 'no columns'}).{hint}"
        )
    schema = table.schema()
    wrong = [f"{c} ({schema[c]})" for c in needed if not schema[c].is_numeric()]
    if wrong:
        raise DataValidationError(
            f"{path}: column(s) {', '.join(wrong)} must be numeric; check the file's values"
        )
    if int(table.count().execute()) == 0:
        raise IngestError("no data rows (the file has a header and nothing else)", file=str(path))


def _model_class(name: ModelName) -> Any:
    from loyalloop import clv

    return {
        ModelName.bg_nbd: clv.BetaGeoModel,
        ModelName.mbg_nbd: clv.ModifiedBetaGeoModel,
        ModelName.pareto_nbd: clv.ParetoNBDModel,
        ModelName.bg_bb: clv.BetaGeoBetaBinomModel,
    }[name]


def _describe(model: Any) -> dict[str, Any]:
    desc: dict[str, Any] = model.to_dict()
    desc.pop("covariance", None)
    return desc


def _save(model: Any, path: Path) -> None:
    from loyalloop.core.export import atomic_output

    with atomic_output(path) as tmp:
        model.save(tmp)


@app.command()
def fit(
    ctx: typer.Context,
    data: DataOpt,
    model_out: Annotated[
        Path, typer.Option("--model-out", help="Where to write the model (JSON). 模型输出文件。")
    ],
    model: Annotated[
        ModelName, typer.Option("--model", help="Transaction model. 交易模型。")
    ] = ModelName.bg_nbd,
    spend_out: Annotated[
        Path | None,
        typer.Option(
            "--spend-out",
            help="Also fit Gamma-Gamma on repeat buyers; write it here. 同时拟合消费金额模型。",
        ),
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
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit a transaction model (and optionally the Gamma-Gamma spend model). 拟合模型。"""
    with handle_errors(as_json):
        from loyalloop.clv import GammaGammaModel

        output_file(ctx, model_out, what="--model-out")
        if spend_out is not None:
            output_file(ctx, spend_out, what="--spend-out")
        table = _open(data, spend=spend_out is not None)
        # Customers first seen at the very end carry no information about rates (as in the
        # pipeline's clv stage): fit without them; `predict` still scores them.
        unobserved = int(table.filter(table["T"] <= 0).count().execute())
        table = table.filter(table["T"] > 0)
        if unobserved and int(table.count().execute()) == 0:
            raise DataValidationError(
                f"all {unobserved:,} customers have T = 0 (observed for no time): nothing to fit"
            )
        with status(f"fitting {model.value} …") as step:
            fitted = _model_class(model)().fit(
                table,
                time_unit=time_unit,
                progress=lambda i, ll: step(
                    f"fitting {model.value}: iteration {i}, mean log-likelihood {ll:.6f}"
                ),
            )
        spend = None
        if spend_out is not None:
            spend = GammaGammaModel().fit(table.filter(table.frequency > 0), time_unit=time_unit)
        _save(fitted, model_out)
        result: dict[str, Any] = {
            "model_file": str(model_out),
            "model": _describe(fitted),
            "excluded_T0": unobserved,
        }
        if spend is not None and spend_out is not None:
            _save(spend, spend_out)
            result["spend_model_file"] = str(spend_out)
            result["spend_model"] = _describe(spend)
        if as_json:
            emit_json(result)
            return
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        for key in ("model", "spend_model"):
            if key not in result:
                continue
            m = result[key]
            line = t(
                "cli_clv_fit",
                lg,
                model=m["model"],
                n=m["data_period"]["n_customers"],
                distinct=m["data_period"]["n_distinct"],
                unit=t(f"unit_{time_unit.value}", lg),
                ll=f"{m['log_likelihood']:.6g}",
            )
            out.print(line, markup=False)
            for name, value in m["params"].items():
                se = m["standard_errors"].get(name)
                se_text = f" (se {se:.4g})" if se is not None else ""
                out.print(f"  {name} = {value:.6g}{se_text}", markup=False)
        if unobserved:
            out.print(t("cli_clv_left_out", lg, n=f"{unobserved:,}"), markup=False)
        out.print(t("cli_clv_model_written", lg, path=model_out), markup=False)
        if spend_out is not None:
            out.print(t("cli_clv_spend_written", lg, path=spend_out), markup=False)


def _load(path: Path, what: str, loader: Any) -> Any:
    """A saved model, or an error naming the file when it is not one (or is damaged)."""
    import json

    input_file(path, what=what)
    try:
        return loader(path)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{what} {path} is not a Loyalloop CLV model (not JSON text)") from None
    except ModelError as exc:  # named once: model-file errors already name the file
        text = str(exc)
        raise ModelError(text if str(path) in text else f"{what} {path}: {text}") from None


def _unit(model: Any, path: Path, given: TimeUnit | None) -> TimeUnit:
    """The time unit of the data: the one stored with the model (``--time-unit`` must agree),
    or ``--time-unit`` for a model that records no known unit."""
    from loyalloop.errors import ConfigError

    stored_text = str(getattr(model.data_period_, "time_unit", ""))
    try:
        stored: TimeUnit | None = TimeUnit.parse(stored_text)
    except ConfigError:
        stored = None
    if stored is not None:
        if given is not None and given != stored:
            raise ConfigError(
                f"--time-unit {given.value} disagrees with {path}, fitted on recency and T in "
                f"{stored.value}; score data in {stored.value} (leave out --time-unit)"
            )
        return stored
    if given is None:
        raise ConfigError(
            f"{path} records time unit {stored_text!r}, not one of {TimeUnit.choices()}; "
            "pass --time-unit"
        )
    return given


@app.command()
def predict(
    ctx: typer.Context,
    data: DataOpt,
    model: Annotated[Path, typer.Option("--model", help="Model file from `clv fit`. 模型文件。")],
    out_file: Annotated[
        Path,
        typer.Option("--out", help="Scores file to write (.csv or .parquet). 评分输出文件。"),
    ],
    t: Annotated[
        float | None,
        typer.Option(
            "--t",
            min=0.0,
            help="Horizon for expected purchases, in the time unit (default: one month). "
            "预测期长度（默认一个月）。",
        ),
    ] = None,
    spend_model: Annotated[
        Path | None,
        typer.Option("--spend-model", help="Gamma-Gamma model file: adds CLV. 消费金额模型。"),
    ] = None,
    horizon: Annotated[
        int, typer.Option("--horizon", min=1, help="CLV periods (months). CLV 期数（月）。")
    ] = 12,
    discount_rate: Annotated[
        float,
        typer.Option("--discount-rate", min=0.0, help="Discount rate per month. 月折现率。"),
    ] = 0.01,
    time_unit: Annotated[
        TimeUnit | None,
        typer.Option(
            "--time-unit",
            parser=TimeUnit.parse,
            metavar=TimeUnit.choices(),
            help="Unit of recency, T and --t: the one stored with the model (needed only for "
            "models that record none). 时间单位（默认取自模型）。",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Rows per batch. 每批行数。")
    ] = 500_000,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every customer: P(alive), expected purchases in ``--t`` and (with a spend model)
    CLV. 为每位客户打分：存活概率、预期购买次数与 CLV。"""
    with handle_errors(as_json):
        from loyalloop.clv import (
            GammaGammaModel,
            TransactionModel,
            clv_totals,
            load_model,
            score,
        )
        from loyalloop.core.csvsafe import write_safe_csv
        from loyalloop.core.export import TABLE_SUFFIXES, atomic_output

        output_file(ctx, out_file, suffixes=TABLE_SUFFIXES)
        fitted = _load(model, "model file", load_model)
        if not isinstance(fitted, TransactionModel):
            raise ModelError(
                f"{model} holds a {type(fitted).__name__}, not a transaction model "
                "(BG/NBD, MBG/NBD, Pareto/NBD or BG/BB); pass that one as --model"
            )
        unit = _unit(fitted, model, time_unit)
        horizon_t = TimeUnit.MONTHS.days / unit.days if t is None else t
        spend = None
        if spend_model is not None:
            spend = _load(spend_model, "spend model file", GammaGammaModel.load)
        batches = score(
            fitted,
            _open(data, spend=spend is not None),
            t=horizon_t,
            spend_model=spend,
            horizon=horizon,
            discount_rate=discount_rate,
            time_unit=unit,
            batch_size=batch_size,
        )
        with atomic_output(out_file) as tmp:
            writer: Any = None
            try:
                for i, batch in enumerate(batches):
                    if out_file.suffix.lower() == ".csv":
                        write_safe_csv(batch, tmp, mode="w" if i == 0 else "a")
                    else:
                        import pyarrow as pa
                        import pyarrow.parquet as pq

                        table = pa.Table.from_pandas(batch, preserve_index=False)
                        if writer is None:
                            writer = pq.ParquetWriter(str(tmp), table.schema)
                        writer.write_table(table)
            finally:
                if writer is not None:
                    writer.close()
        totals = clv_totals(_scores(out_file))  # the one definition of the headline figures
        n = totals.customers
        summary: dict[str, Any] = {
            "scores_file": str(out_file),
            "model": type(fitted).__name__,
            "customers": n,
            "mean_probability_alive": totals.mean_probability_alive,
            "time_unit": unit.value,
            "t": horizon_t,
            "total_expected_purchases": totals.total_expected_purchases,
        }
        if spend is not None:
            summary["total_clv"] = totals.total_clv
            summary["top_decile_share"] = totals.top_decile_share
            summary["horizon"] = horizon
            summary["discount_rate"] = discount_rate
        if as_json:
            emit_json(summary)
            return
        from loyalloop.cli.talk import t as say  # ``t`` is the --t option here

        lg = lang_of(ctx, lang)
        lines = [say("cli_clv_scored", lg, n=f"{n:,}", model=summary["model"], path=out_file)]
        if totals.mean_probability_alive is not None:
            lines.append(say("cli_clv_alive", lg, p=f"{totals.mean_probability_alive:.4f}"))
        lines.append(
            say(
                "cli_clv_purchases",
                lg,
                t=f"{horizon_t:g}",
                unit=say(f"unit_{unit.value}", lg),
                n=f"{totals.total_expected_purchases:,.1f}",
            )
        )
        if totals.total_clv is not None:
            lines.append(say("cli_clv_total", lg, months=horizon, total=f"{totals.total_clv:,.2f}"))
            if totals.top_decile_share is not None:
                share = f"{100 * totals.top_decile_share:.1f}"
                lines.append(say("cli_clv_top", lg, share=share))
        for line in lines:
            out.print(line, markup=False)


def _scores(path: Path) -> Any:
    """A scores file just written, as an Ibis table (for :func:`loyalloop.clv.clv_totals`)."""
    import ibis

    con = ibis.duckdb.connect()
    return con.read_csv(path) if path.suffix.lower() == ".csv" else con.read_parquet(path)
