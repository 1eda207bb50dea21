"""``loyalloop churn …``: train, score and evaluate churn models on your own customer table.

Thin: parse arguments, call :mod:`loyalloop.churn.byo`, format the result.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from loyalloop.churn.byo import evaluate_table, read_table, score_table, train_table
from loyalloop.churn.model import ChurnModel
from loyalloop.core.csvsafe import write_safe_csv
from loyalloop.errors import LoyalloopError

__all__ = ["app"]

log = logging.getLogger(__name__)

app = typer.Typer(
    help="Churn risk from your own labelled customer table (one row per customer). "
    "用自有的带标签客户表训练、评分、评估流失模型。",
    no_args_is_help=True,
)

T = TypeVar("T")

TableOpt = Annotated[Path, typer.Option("--table", help="CSV, Parquet or Excel file.")]
ModelOpt = Annotated[Path, typer.Option("--model", help="Model file from `churn train`.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _run(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except LoyalloopError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(code=1) from None


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


@app.command()
def train(
    table: TableOpt,
    id: Annotated[str, typer.Option("--id", help="Customer id column.")],
    label: Annotated[str, typer.Option("--label", help="Churn label column (1/0, yes/no…).")],
    model_out: Annotated[Path, typer.Option("--model-out", help="Where to write the model.")],
    json_out: JsonOpt = False,
) -> None:
    """Train a calibrated churn model and report holdout metrics and coercions."""

    def go() -> None:
        result = train_table(read_table(table), id_column=id, label_column=label)
        path = result.model.save(model_out)
        if json_out:
            typer.echo(_dump({"model": str(path), **result.to_dict()}))
            return
        typer.echo(
            f"trained on {result.labelled} labelled rows of {result.rows} "
            f"({result.churned} churned); {len(result.model.spec_.features)} features"
        )
        for line in result.coercion.lines():
            typer.echo(f"  coerced: {line}")
        typer.echo("holdout evaluation:")
        for line in result.holdout.lines():
            typer.echo(f"  {line}")
        typer.echo(f"model written to {path}")

    _run(go)


@app.command()
def score(
    model: ModelOpt,
    table: TableOpt,
    out: Annotated[Path, typer.Option("--out", help="Scores CSV to write.")],
    reasons: Annotated[
        int, typer.Option("--reasons", help="Add plain-language reasons for the N riskiest.")
    ] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Write the id column and churn_probability for every row, highest risk first."""

    def go() -> None:
        result = score_table(ChurnModel.load(model), read_table(table), reasons_for=reasons)
        out.parent.mkdir(parents=True, exist_ok=True)
        # utf-8-sig so Excel shows the Chinese reasons correctly.
        write_safe_csv(result.scores, out)
        if json_out:
            typer.echo(
                _dump({"out": str(out), "rows": len(result.scores), **result.coercion.to_dict()})
            )
            return
        for line in result.coercion.lines():
            typer.echo(f"  coerced: {line}")
        typer.echo(f"scored {len(result.scores)} rows → {out}")

    _run(go)


@app.command()
def evaluate(
    model: ModelOpt,
    table: TableOpt,
    label: Annotated[str, typer.Option("--label", help="Churn label column.")],
    baseline: Annotated[
        list[str] | None,
        typer.Option("--baseline", help="Column with a baseline score (repeatable)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """ROC AUC, PR AUC, Brier, lift/capture by decile and calibration on a labelled table."""

    def go() -> None:
        report = evaluate_table(
            ChurnModel.load(model),
            read_table(table),
            label_column=label,
            baseline_columns=tuple(baseline or ()),
        )
        if json_out:
            typer.echo(_dump(report.to_dict()))
            return
        for line in report.lines():
            typer.echo(line)
        typer.echo("")
        typer.echo("lift and capture by decile:")
        typer.echo(report.deciles.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if len(report.calibration):
            typer.echo("")
            typer.echo("calibration:")
            typer.echo(report.calibration.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    _run(go)
