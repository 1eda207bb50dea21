"""``loyalloop churn …``: train, score and evaluate churn models on your own customer table.

Thin: check the files, call :mod:`loyalloop.churn.byo`, format the result. Heavy modules are
imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loyalloop.cli.common import JsonOpt, LangOpt, input_file, lang_of, output_file
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.errors import IngestError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["app"]

PANEL = "Models 模型"

app = typer.Typer(
    help="Churn risk from your own labelled customer table (one row per customer). "
    "用自有的带标签客户表训练、评分、评估流失模型。",
    no_args_is_help=True,
)

TableOpt = Annotated[
    Path, typer.Option("--table", help="CSV, Parquet or Excel file, one row per customer. 客户表。")
]
ModelOpt = Annotated[
    Path, typer.Option("--model", help="Model file from `churn train`. 模型文件。")
]


def _read(path: Path) -> pd.DataFrame:
    """The customer table, or an error naming the file (empty, unreadable, not a table)."""
    import pandas as pd
    import pyarrow as pa

    from loyalloop.churn.byo import read_table

    input_file(path, what="table file")
    try:
        frame = read_table(path)
    except pd.errors.EmptyDataError:
        raise IngestError("the file is empty (no header row)", file=str(path)) from None
    except pd.errors.ParserError as exc:
        raise IngestError(f"cannot read as CSV: {exc}", file=str(path)) from None
    except UnicodeDecodeError:
        raise IngestError(
            "cannot decode as UTF-8; save the file as UTF-8 (or Parquet)",
            file=str(path),
            line=_first_bad_utf8_line(path),
        ) from None
    except pa.ArrowException as exc:
        raise IngestError(f"cannot read as Parquet: {exc}", file=str(path)) from None
    if frame.empty:
        raise IngestError("no data rows (the file has a header and nothing else)", file=str(path))
    return frame


def _first_bad_utf8_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8 (read in blocks; on the error path only)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return line + block.count(b"\n", 0, exc.start)
            line += block.count(b"\n")
    return None


@app.command()
def train(
    ctx: typer.Context,
    table: TableOpt,
    id: Annotated[str, typer.Option("--id", help="Customer id column. 客户编号列。")],
    label: Annotated[
        str, typer.Option("--label", help="Churn label column (1/0, yes/no…). 流失标签列。")
    ],
    model_out: Annotated[
        Path, typer.Option("--model-out", help="Where to write the model. 模型输出文件。")
    ],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a calibrated churn model and report holdout metrics and coercions. 训练模型。"""
    with handle_errors(as_json):
        from loyalloop.churn.byo import train_table
        from loyalloop.core.export import atomic_output

        output_file(ctx, model_out, what="--model-out")
        result = train_table(_read(table), id_column=id, label_column=label)
        with atomic_output(model_out) as tmp:
            result.model.save(tmp)
        if as_json:
            emit_json({"model": str(model_out), **result.to_dict()})
            return
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        trained = t(
            "cli_ch_trained",
            lg,
            labelled=f"{result.labelled:,}",
            rows=f"{result.rows:,}",
            churned=f"{result.churned:,}",
            features=len(result.model.spec_.features),
        )
        lines = [trained]
        lines += [t("cli_ch_coerced", lg, line=line) for line in result.coercion.lines()]
        lines.append(t("cli_ch_holdout", lg))
        lines += [f"  {line}" for line in result.holdout.lines()]  # metric names and figures
        lines.append(t("cli_ch_model_written", lg, path=model_out))
        for line in lines:
            out.print(line, markup=False)


@app.command()
def score(
    ctx: typer.Context,
    model: ModelOpt,
    table: TableOpt,
    out_file: Annotated[
        Path, typer.Option("--out", help="Scores CSV to write. 评分输出文件（CSV）。")
    ],
    reasons: Annotated[
        int,
        typer.Option(
            "--reasons", min=0, help="Add plain-language reasons for the N riskiest. 原因条数。"
        ),
    ] = 0,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the id column and churn_probability for every row, highest risk first. 打分。"""
    with handle_errors(as_json):
        from loyalloop.churn.byo import score_table
        from loyalloop.churn.model import ChurnModel
        from loyalloop.core.csvsafe import write_safe_csv
        from loyalloop.core.export import atomic_output

        output_file(ctx, out_file)
        input_file(model, what="model file")
        result = score_table(ChurnModel.load(model), _read(table), reasons_for=reasons)
        with atomic_output(out_file) as tmp:
            write_safe_csv(result.scores, tmp)  # UTF-8 with BOM: Excel shows Chinese reasons
        if as_json:
            emit_json(
                {"out": str(out_file), "rows": len(result.scores), **result.coercion.to_dict()}
            )
            return
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        for line in result.coercion.lines():
            out.print(t("cli_ch_coerced", lg, line=line), markup=False)
        scored = t("cli_ch_scored", lg, n=f"{len(result.scores):,}", path=out_file)
        out.print(scored, markup=False)


@app.command()
def evaluate(
    ctx: typer.Context,
    model: ModelOpt,
    table: TableOpt,
    label: Annotated[str, typer.Option("--label", help="Churn label column. 流失标签列。")],
    baseline: Annotated[
        list[str] | None,
        typer.Option(
            "--baseline", help="Column with a baseline score (repeatable). 基线得分列（可重复）。"
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """ROC AUC, PR AUC, Brier, lift/capture by decile and calibration on a labelled table.
    在带标签的表上评估：ROC AUC、PR AUC、Brier、分位提升与校准。"""
    with handle_errors(as_json):
        from loyalloop.churn.byo import evaluate_table
        from loyalloop.churn.model import ChurnModel

        input_file(model, what="model file")
        report = evaluate_table(
            ChurnModel.load(model),
            _read(table),
            label_column=label,
            baseline_columns=tuple(baseline or ()),
        )
        if as_json:
            emit_json(report.to_dict())
            return
        for line in report.lines():
            out.print(line, markup=False)
        out.print("", markup=False)
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        out.print(t("cli_ch_deciles", lg), markup=False)
        out.print(
            report.deciles.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
            markup=False,
        )
        if len(report.calibration):
            out.print("", markup=False)
            out.print(t("cli_ch_calibration", lg), markup=False)
            out.print(
                report.calibration.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
                markup=False,
            )
