"""``loyalloop uplift …``: train and score uplift models on your own campaign table.

Thin: parse arguments, call :mod:`loyalloop.uplift.byo`, format the result. Nothing heavy is
imported until a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loyalloop.cli.common import LangOpt, input_file, lang_of, output_file
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.cli.talk import code_name, t

if TYPE_CHECKING:
    from loyalloop.report.i18n import Lang
    from loyalloop.uplift import UpliftEvaluation

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
    lang: LangOpt = None,
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
        lg = lang_of(ctx, lang)
        m = result.model
        trained = t(
            "cli_up_trained",
            lg,
            learner=m.learner_name_.upper(),
            used=f"{result.used:,}",
            rows=f"{result.rows:,}",
            treated=f"{result.treated:,}",
            features=len(m.spec_.features),
            outcome=t("cli_up_binary" if m.binary_outcome_ else "cli_up_numeric", lg),
        )
        out.print(trained, highlight=False, markup=False)
        cv = t("cli_list_sep", lg).join(
            f"{code_name('uplift_scorer_', k, lg)} {v:+.4g}" for k, v in m.cv_scores_.items()
        )
        out.print(t("cli_up_cv", lg, scores=cv), highlight=False, markup=False)
        for line in result.coercion.lines():
            out.print(t("cli_up_coerced", lg, line=line), highlight=False, markup=False)
        out.print(t("cli_up_holdout", lg), highlight=False, markup=False)
        for line in _holdout_lines(result.holdout, lg):
            out.print(line, highlight=False, markup=False)
        for note in result.notes:
            out.print(t("cli_note", lg, message=note), highlight=False, markup=False)
        out.print(t("cli_up_written", lg, path=path), highlight=False, markup=False)


def _holdout_lines(ev: UpliftEvaluation, lang: Lang) -> list[str]:
    """The held-out evaluation in ``lang``: rows and overall effect, then one line per scorer
    (its Qini area with the bootstrap interval, the Qini coefficient for a 0/1 outcome, the
    effect among its top 30 %)."""
    import math

    lines = [
        t(
            "cli_up_holdout_rows",
            lang,
            n=f"{ev.n:,}",
            treated=f"{ev.n_treated:,}",
            effect=f"{ev.overall_effect:+.4g}",
        )
    ]
    for s in ev.scorers:
        q = s.qini
        coef = ""
        if s.qini_coefficient is not None:
            coef = t("cli_up_coef", lang, value=f"{s.qini_coefficient.value:+.3f}")
        top = dict(s.uplift_top).get(0.3)
        shown = top is not None and math.isfinite(top)
        lines.append(
            t(
                "cli_up_scorer",
                lang,
                name=code_name("uplift_scorer_", s.name, lang),
                value=f"{q.value:+.4g}",
                low=f"{q.low:+.4g}",
                high=f"{q.high:+.4g}",
                coef=coef,
                top=t("cli_up_top", lang, value=f"{top:+.4g}") if shown else "",
            )
        )
    return lines


@app.command()
def score(
    ctx: typer.Context,
    model: Annotated[
        Path, typer.Option("--model", help="Model file from `uplift train`. 模型文件。")
    ],
    table: TableOpt,
    out_file: Annotated[Path, typer.Option("--out", help="Scores CSV to write. 输出文件。")],
    lang: LangOpt = None,
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
        lg = lang_of(ctx, lang)
        for line in result.coercion.lines():
            out.print(t("cli_up_coerced", lg, line=line), highlight=False, markup=False)
        scored = t(
            "cli_up_scored",
            lg,
            n=f"{len(u):,}",
            path=out_file,
            positive=f"{summary['positive']:,}",
            mean=f"{u.mean():+.4g}",
        )
        out.print(scored, highlight=False, markup=False)
