"""``loyalloop uplift …``: train and score uplift models on your own campaign table.

Thin: parse arguments, call :mod:`loyalloop.uplift.byo`, format the result. Nothing heavy is
imported until a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from loyalloop.cli.common import input_file, output_file
from loyalloop.cli.output import emit_json, handle_errors, out

__all__ = ["app"]

PANEL = "Measurement 效果衡量"

app = typer.Typer(
    help="Uplift: whom does a contact change? Train on a past campaign with a control group, "
    "score customers. 增量模型：用带对照组的历史活动训练，给客户打分。",
    no_args_is_help=True,
)

TableOpt = Annotated[
    Path,
    typer.Option("--table", help="CSV, Parquet or Excel file, one row per customer. 数据文件。"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object. 输出 JSON。")]


@app.command()
def train(
    ctx: typer.Context,
    table: TableOpt,
    treatment: Annotated[
        str, typer.Option("--treatment", help="Treatment column (1/0, yes/no). 是否触达列。")
    ],
    outcome: Annotated[
        str,
        typer.Option("--outcome", help="Outcome column (0/1 or a number). 结果列（0/1 或数值）。"),
    ],
    model_out: Annotated[
        Path, typer.Option("--model-out", help="Where to write the model. 模型输出文件。")
    ],
    id: Annotated[str | None, typer.Option("--id", help="Customer id column. 客户编号列。")] = None,
    resamples: Annotated[
        int, typer.Option("--resamples", min=20, help="Bootstrap resamples. 自助抽样次数。")
    ] = 200,
    as_json: JsonOpt = False,
) -> None:
    """Choose and train an uplift model; report held-out Qini against baselines.

    训练增量模型（交叉验证 Qini 选择学习器），在留出数据上与基线比较。
    """
    with handle_errors(as_json):
        from loyalloop.core.export import atomic_output
        from loyalloop.uplift import read_table, train_table

        output_file(ctx, model_out, what="--model-out")
        result = train_table(
            read_table(input_file(table, what="table file")),
            treatment_column=treatment,
            outcome_column=outcome,
            id_column=id,
            resamples=resamples,
        )
        with atomic_output(model_out) as tmp:
            result.model.save(tmp)
        path = model_out
        if as_json:
            emit_json({"model": str(path), **result.to_dict()})
            return
        m = result.model
        out.print(
            f"trained a {m.learner_name_.upper()}-learner on {result.used:,} of {result.rows:,} "
            f"rows ({result.treated:,} treated); {len(m.spec_.features)} features; outcome "
            + ("0/1" if m.binary_outcome_ else "numeric"),
            highlight=False,
        )
        cv = ", ".join(f"{k} {v:+.4g}" for k, v in m.cv_scores_.items())
        out.print(f"cross-validated Qini area: {escape(cv)}", highlight=False)
        for line in result.coercion.lines():
            out.print(f"  coerced: {escape(line)}", highlight=False)
        out.print("held-out evaluation:", highlight=False)
        for line in result.holdout.lines():
            out.print(f"  {escape(line)}", highlight=False)
        for note in result.notes:
            out.print(f"note: {escape(note)}", highlight=False)
        out.print(f"model written to {escape(str(path))}", highlight=False)


@app.command()
def score(
    ctx: typer.Context,
    model: Annotated[
        Path, typer.Option("--model", help="Model file from `uplift train`. 模型文件。")
    ],
    table: TableOpt,
    out_file: Annotated[Path, typer.Option("--out", help="Scores CSV to write. 输出文件。")],
    as_json: JsonOpt = False,
) -> None:
    """Write the id and ``uplift`` (expected change of the outcome if treated), highest first.

    输出每位客户的增量（触达后结果的预期变化），从高到低。
    """
    with handle_errors(as_json):
        from loyalloop.core.csvsafe import write_safe_csv
        from loyalloop.core.export import atomic_output
        from loyalloop.uplift import UpliftModel, read_table, score_table

        output_file(ctx, out_file)
        input_file(model, what="model file")
        result = score_table(
            UpliftModel.load(model), read_table(input_file(table, what="table file"))
        )
        with atomic_output(out_file) as tmp:
            write_safe_csv(result.scores, tmp)
        u = result.scores["uplift"]
        summary = {
            "out": str(out_file),
            "rows": len(result.scores),
            "positive": int((u > 0).sum()),
            "mean_uplift": float(u.mean()) if len(u) else None,
            "coercion": result.coercion.to_dict(),
            "coercion_notes": result.coercion.lines(),
        }
        if as_json:
            emit_json(summary)
            return
        for line in result.coercion.lines():
            out.print(f"  coerced: {escape(line)}", highlight=False)
        out.print(
            f"scored {len(u):,} rows → {escape(str(out_file))}; {summary['positive']:,} with a "
            f"positive expected uplift (mean {u.mean():+.4g})",
            highlight=False,
        )
