"""``loyalloop experiments …``: A/B test statistics on any table, and experiment planning.

Thin: the file is opened as an Ibis table on an in-memory engine, the per-arm sums are
computed there, and :mod:`loyalloop.experiments` does the statistics. Nothing heavy is imported
until a command runs.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from loyalloop.cli.common import LangOpt, input_file, lang_of
from loyalloop.cli.output import emit_json, fail, handle_errors, out
from loyalloop.cli.talk import t

if TYPE_CHECKING:
    from loyalloop.experiments import PowerResult, TableAnalysis
    from loyalloop.report.i18n import Lang

__all__ = ["app"]

PANEL = "Measurement 效果衡量"

app = typer.Typer(
    help="Experiment statistics: lift, intervals, chance to win, sample sizes. "
    "实验统计：提升、置信区间、胜出概率、样本量。",
    no_args_is_help=True,
)


class MethodChoice(StrEnum):
    frequentist = "frequentist"
    bayesian = "bayesian"
    sequential = "sequential"


class CorrectionChoice(StrEnum):
    holm = "holm"
    bh = "bh"
    bonferroni = "bonferroni"
    none = "none"


class KindChoice(StrEnum):
    auto = "auto"
    mean = "mean"
    proportion = "proportion"


class MissingChoice(StrEnum):
    exclude = "exclude"
    zero = "zero"


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object. 输出 JSON。")]
AlphaOpt = Annotated[
    float,
    typer.Option("--alpha", help="1 − confidence level of the intervals. 显著性水平。"),
]


def _parse_weights(text: str | None, as_json: bool, lang: Lang) -> dict[str, float] | None:
    if text is None:
        return None
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            fail(t("cli_ex_bad_weights", lang, text=repr(text)), as_json=as_json)
    return weights


@app.command()
def analyze(
    ctx: typer.Context,
    table: Annotated[
        Path,
        typer.Option("--table", help="CSV, Parquet or Excel file, one row per unit. 数据文件。"),
    ],
    arm: Annotated[str, typer.Option("--arm", help="Column naming each unit's arm. 分组列。")],
    control: Annotated[
        str, typer.Option("--control", help="Name of the control arm. 对照组名称。")
    ],
    metric: Annotated[
        str, typer.Option("--metric", help="Metric column (numbers or 0/1). 指标列。")
    ],
    pre: Annotated[
        str | None,
        typer.Option(
            "--pre", help="Pre-period covariate column: applies CUPED. 实验前协变量（CUPED）。"
        ),
    ] = None,
    denominator: Annotated[
        str | None,
        typer.Option(
            "--denominator",
            help="Denominator column: a ratio metric Σmetric/Σdenominator. 比率指标分母。",
        ),
    ] = None,
    method: Annotated[
        MethodChoice, typer.Option("--method", help="How to test. 检验方法。")
    ] = MethodChoice.frequentist,
    kind: Annotated[
        KindChoice,
        typer.Option("--kind", help="Metric kind (auto: 0/1 values are a rate). 指标类型。"),
    ] = KindChoice.auto,
    missing: Annotated[
        MissingChoice,
        typer.Option(
            "--missing", help="Blank metric cells: leave the unit out, or count as 0. 缺失值处理。"
        ),
    ] = MissingChoice.exclude,
    correction: Annotated[
        CorrectionChoice,
        typer.Option(
            "--correction", help="Multiple-comparison correction for several arms. 多重比较校正。"
        ),
    ] = CorrectionChoice.holm,
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights",
            help="Planned split for the SRM check, e.g. control=1,offer=1. 计划分流比例。",
        ),
    ] = None,
    prior_sd: Annotated[
        float | None,
        typer.Option(
            "--prior-sd",
            help="Bayesian: sd of a N(0, sd²) prior on the relative lift (default: flat). 先验。",
        ),
    ] = None,
    tuning: Annotated[
        float,
        typer.Option(
            "--tuning",
            help="Sequential: units at which the interval is tightest. 序贯检验调节样本量。",
        ),
    ] = 5000.0,
    alpha: AlphaOpt = 0.05,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lift of every arm over control with intervals, p-value or chance to win, SRM check.

    分析实验：各组相对对照组的提升、区间、p 值或胜出概率，以及分流比例检验。
    """
    with handle_errors(as_json):
        from loyalloop.experiments import (
            Correction,
            GaussianPrior,
            Method,
            MetricKind,
            MissingPolicy,
            analyze_table,
            open_table,
        )

        lg = lang_of(ctx, lang)
        prior = GaussianPrior(0.0, prior_sd**2) if prior_sd is not None else None
        result = analyze_table(
            open_table(input_file(table, what="table file")),
            arm=arm,
            control=control,
            metric=metric,
            pre=pre,
            denominator=denominator,
            kind=MetricKind(kind.value),
            missing=MissingPolicy(missing.value),
            method=Method(method.value),
            alpha=alpha,
            correction=Correction(correction.value),
            weights=_parse_weights(weights, as_json, lg),
            prior=prior,
            tuning=tuning,
        )
        if as_json:
            emit_json(result.to_dict())
        else:
            _print_analysis(result, lg)


def _num(v: float | None, fmt: str = ",.4g") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return format(v, fmt)


def _short(v: float | None) -> str:
    return _num(v, ",.3g")


def _rate(v: float | None) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{100 * v:.2f}%"


def _pp(v: float | None) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{100 * v:+.2f}"


def _pct_plain(v: float) -> str:
    return "—" if not math.isfinite(v) else f"{100 * v:.1f}%"


def _pct(v: float | None) -> str:
    return "—" if v is None or not math.isfinite(v) else f"{100 * v:+.2f}%"


def _note(message: str, lang: Lang) -> str:
    """A message the library wrote (English), marked as such in Chinese."""
    return t("library_note", lang, message=message)


def _print_analysis(result: TableAnalysis, lang: Lang) -> None:
    rep, data = result.report, result.data
    level = f"{100 * (1 - rep.alpha):g}%"
    what = t(f"cli_ex_method_{rep.method.value}", lang, level=level)
    extra = t("cli_ex_cuped", lang, pre=escape(data.pre or "")) if data.cuped else ""
    out.print(
        t(
            "cli_ex_header",
            lang,
            metric=escape(data.metric),
            kind=t(f"cli_ex_kind_{data.kind.value}", lang),
            cuped=extra,
            control=escape(rep.control),
            method=what,
        ),
        highlight=False,
    )
    srm = rep.srm
    split = " · ".join(f"{escape(a)} {n:,}" for a, n in srm.observed)
    verdict = (
        f"[bold red]{t('cli_ex_split_mismatch', lang)}[/]"
        if srm.mismatch
        else t("cli_ex_split_ok", lang)
    )
    out.print(
        t("cli_ex_split", lang, split=split, p=_num(srm.p_value, ".3g"), verdict=verdict),
        highlight=False,
    )
    ctrl = next(n for a, n in srm.observed if a == rep.control)
    c_mean = rep.arms[0].test.moments.control_mean if rep.arms else math.nan
    rate = data.kind.value == "proportion"
    val = _rate if rate else _num
    diff = _pp if rate else _short
    out.print(
        t(
            "cli_ex_control",
            lang,
            control=escape(rep.control),
            n=f"{ctrl:,}",
            mean=val(c_mean),
            points=t("cli_ex_points", lang) if rate else "",
        ),
        highlight=False,
    )
    table = Table(box=None, pad_edge=False)
    bayes = rep.method.value == "bayesian"
    cols = ["arm", "n", "mean", "lift", "lift_pct", "interval"]
    cols += ["win", "risk"] if bayes else ["p"]
    if rep.correction.value != "none":
        cols.append("p_adjusted")
    for c in cols:
        head = t(f"cli_ex_col_{c}", lang, level=level, correction=rep.correction.value)
        table.add_column(head, justify="left" if c == "arm" else "right", no_wrap=c != "arm")
    for a in rep.arms:
        r, m = a.test, a.test.moments
        row = [
            escape(a.arm),
            f"{m.treatment_n:,}",
            val(m.treatment_mean),
            diff(r.absolute.estimate),
            _pct(r.relative.estimate),
            f"{diff(r.absolute.low)} … {diff(r.absolute.high)}",
        ]
        if bayes:
            row += [_pct_plain(r.chance_to_win), diff(r.expected_loss).lstrip("+")]
        else:
            row.append(_num(r.p_value, ".2g"))
        if rep.correction.value != "none":
            row.append(_num(a.p_value_adjusted, ".2g"))
        table.add_row(*row)
    out.print(table)
    for a in rep.arms:
        if a.error:
            message = escape(_note(a.test.message, lang))
            line = t(
                "cli_ex_arm_not_computed", lang, arm=escape(a.arm), error=a.error, message=message
            )
            out.print(line)
        elif a.test.message:
            message = escape(_note(a.test.message, lang))
            out.print(
                t("cli_ex_arm_message", lang, arm=escape(a.arm), message=message), highlight=False
            )
    for a in rep.arms:
        if a.test.moments.theta is not None and a.error is None:
            reduction = a.test.moments.variance_reduction
            out.print(
                t(
                    "cli_ex_cuped_line",
                    lang,
                    arm=escape(a.arm),
                    theta=f"{a.test.moments.theta:.4g}",
                    pct=f"{100 * reduction:.1f}",
                    weak=t("cli_ex_cuped_weak", lang) if reduction < 0.01 else "",
                ),
                highlight=False,
            )
    for note in rep.notes:
        out.print(escape(t("cli_note", lang, message=note)), highlight=False)


@app.command()
def power(
    ctx: typer.Context,
    baseline: Annotated[
        float,
        typer.Option(
            "--baseline",
            help="Control mean; a rate in (0, 1) if --sd is not given. 基线均值或转化率。",
        ),
    ],
    sd: Annotated[
        float | None,
        typer.Option("--sd", help="Standard deviation per unit (omit for a rate). 每单位标准差。"),
    ] = None,
    mde: Annotated[
        float | None,
        typer.Option(
            "--mde",
            help="Effect to detect, relative (0.05 = +5%) unless --absolute. 最小可检测效应。",
        ),
    ] = None,
    absolute: Annotated[
        bool, typer.Option("--absolute", help="--mde is in the metric's units. 绝对效应。")
    ] = False,
    n_per_arm: Annotated[
        int | None,
        typer.Option(
            "--n-per-arm",
            help="Units per arm: gives the power (with --mde) or the MDE. 每组样本量。",
        ),
    ] = None,
    target_power: Annotated[
        float, typer.Option("--power", help="Wanted power. 目标检验功效。")
    ] = 0.8,
    arms: Annotated[
        int, typer.Option("--arms", help="Arms including control. 组数（含对照组）。")
    ] = 2,
    sequential: Annotated[
        bool,
        typer.Option(
            "--sequential", help="Plan for the sequential method (daily looks). 按序贯检验规划。"
        ),
    ] = False,
    tuning: Annotated[
        float,
        typer.Option(
            "--tuning", help="Sequential: units at which the interval is tightest. 序贯调节样本量。"
        ),
    ] = 5000.0,
    alpha: AlphaOpt = 0.05,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sample size for an effect, power at a sample size, or the smallest detectable effect.

    实验规划：给定效应求样本量、给定样本量求功效或最小可检测效应。
    """
    with handle_errors(as_json):
        from loyalloop.experiments import minimum_detectable_effect, power_at, sample_size

        lg = lang_of(ctx, lang)
        common: dict[str, Any] = {
            "baseline_mean": baseline,
            "sd": sd,
            "alpha": alpha,
            "arms": arms,
            "sequential": sequential,
            "tuning": tuning,
        }
        if mde is None and n_per_arm is None:
            fail(t("cli_pw_need", lg), as_json=as_json)
        if mde is not None and n_per_arm is not None:
            solved = "power"
            r = power_at(n_per_arm, mde=mde, relative=not absolute, **common)
        elif mde is not None:
            solved = "n_per_arm"
            r = sample_size(mde=mde, relative=not absolute, power=target_power, **common)
        else:
            assert n_per_arm is not None
            solved = "mde"
            r = minimum_detectable_effect(n_per_arm, power=target_power, **common)
        if as_json:
            emit_json({"solved_for": solved, **_power_dict(r)})
        else:
            _print_power(r, solved, lg)


def _power_dict(r: PowerResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(r)


def _print_power(r: PowerResult, solved: str, lang: Lang) -> None:
    kind = t("cli_pw_rate", lang) if r.proportion else t("cli_pw_mean", lang, sd=f"{r.sd:,.4g}")
    per = ""
    if r.arms > 2:
        per = t("cli_pw_per_comparison", lang, alpha=f"{r.alpha_per_comparison:.3g}")
    out.print(
        t(
            "cli_pw_header",
            lang,
            baseline=f"{r.baseline_mean:,.4g}",
            kind=kind,
            arms=r.arms,
            alpha=f"{r.alpha:g}",
            per=per,
            method=t("cli_pw_sequential" if r.sequential else "cli_pw_fixed", lang),
        ),
        highlight=False,
    )
    figures = {
        "n": f"{r.n_per_arm:,}",
        "total": f"{r.total_n:,}",
        "mde": f"{r.mde_abs:,.4g}",
        "rel": _pct(r.mde_rel),
        "power": f"{r.power:.0%}" if solved == "mde" else f"{r.power:.1%}",
    }
    out.print(t(f"cli_pw_{solved}", lang, **figures), highlight=False)
