"""``loyalloop feedback …``: text analytics on comment files (thin: parse, call, format).

Heavy modules (pandas, the text analytics) are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from loyalloop.cli.common import JsonOpt, LangOpt, input_file, lang_of, output_file
from loyalloop.cli.output import emit_json, err, handle_errors, out
from loyalloop.core.gcpause import collector_paused

__all__ = ["app"]

PANEL = "Models 模型"

app = typer.Typer(
    help="Feedback text analytics: language, sentiment and aspects (zh/en). "
    "反馈文本分析：语言、情感与关注点（中/英）。",
    no_args_is_help=True,
)

_BATCH = 2000


@app.callback()
def _feedback() -> None:
    """Feedback text analytics: language, sentiment and aspects (zh/en).
    反馈文本分析：语言、情感与关注点（中/英）。"""


@app.command()
def analyze(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, Parquet, JSONL, Excel, or text with one comment a line. 评论文件。"
        ),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write. 输出 CSV 文件。")],
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column with the comments. 评论列。")
    ] = None,
    taxonomy: Annotated[
        str,
        typer.Option(
            help="Aspect taxonomy: default (chosen to fit the comments), banking, retail, both "
            "or a YAML file. 方面词表：default（按评论自动选择）、banking、retail、both 或 "
            "YAML 文件。"
        ),
    ] = "default",
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=-1,
            help="Worker processes (-1: one per CPU; 0 or 1: this process only; default: one "
            "per CPU from 1,000 distinct comments on); results are the same. "
            "并行进程数（-1：每个 CPU 一个；0 或 1：仅本进程；默认：不同评论达 1,000 条时每个 "
            "CPU 一个），结果相同。",
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            help="Channel the comments came from (survey, review, app_review, social, call, "
            "chat, email); app_review = app-store reviews: a judgement that names no aspect "
            '("Love it") is about the app. 评论来源渠道；app_review 即应用商店评价：未点名'
            "任何方面的褒贬视为对 App 的评价。",
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write text, language, sentiment, sentiment_score and aspects for each comment.
    为每条评论输出语言、情感、情感得分与关注点。"""
    # models and the reading make few reference cycles: no collector passes (core.gcpause)
    with handle_errors(as_json), collector_paused():
        import pandas as pd
        from rich.progress import Progress

        from loyalloop.core.csvsafe import write_safe_csv
        from loyalloop.core.export import atomic_output
        from loyalloop.feedback import load_taxonomy, read_comments
        from loyalloop.feedback.analyze import (
            ANALYZE_COLUMNS,
            auto_jobs,
            distinct_texts,
            iter_readings,
        )
        from loyalloop.feedback.channel_aspects import check_channel, implied_aspect

        output_file(ctx, out_file)
        known = check_channel(channel) if channel is not None else None
        input_file(file, what="comments file")
        comments = read_comments(file, text_column)
        texts = comments["text"].tolist()
        if taxonomy == "default":  # fitted to the comments: bank data never gets retail aspects
            from loyalloop.feedback.aspects import choose_taxonomy

            taxonomy = choose_taxonomy(texts)[0]
        tax = load_taxonomy("default" if taxonomy == "both" else taxonomy)
        implied = implied_aspect(tax, known)
        distinct, where = distinct_texts(texts)  # a comment written twice is read once
        n_jobs = auto_jobs(len(distinct)) if jobs is None else jobs or 1
        read: list[tuple[str, str, str, float, str]] = []
        # redrawn after each chunk, without a refresh thread (worker processes are forked)
        quiet = as_json or not err.is_terminal
        with Progress(console=err, transient=True, disable=quiet, auto_refresh=False) as progress:
            task = progress.add_task("analysing", total=len(distinct))
            parts = iter_readings(distinct, tax, n_jobs=n_jobs, chunk_size=_BATCH, implied=implied)
            for part in parts:
                read.extend(part)
                progress.advance(task, len(part))
                progress.refresh()
        result = pd.DataFrame([read[i] for i in where], columns=list(ANALYZE_COLUMNS))
        result["sentiment_score"] = result["sentiment_score"].astype(float)
        with atomic_output(out_file) as tmp:
            write_safe_csv(result, tmp)
        counts = {
            k: int(result["sentiment"].eq(k).sum()) for k in ("positive", "neutral", "negative")
        }
        if as_json:
            emit_json({"out": str(out_file), "comments": len(result), "sentiment": counts})
            return
        from loyalloop.cli.talk import t

        shown = {k: f"{v:,}" for k, v in counts.items()}
        line = t(
            "cli_fb_analyzed", lang_of(ctx, lang), n=f"{len(result):,}", path=out_file, **shown
        )
        out.print(line, markup=False)
