"""``loyalloop feedback …``: text analytics on comment files (thin: parse, call, format)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import Progress

from loyalloop.core.csvsafe import write_safe_csv
from loyalloop.errors import LoyalloopError
from loyalloop.feedback import analyze_texts, load_taxonomy, read_comments

__all__ = ["app"]

log = logging.getLogger(__name__)
app = typer.Typer(
    help="Feedback text analytics: language, sentiment and aspects (zh/en). "
    "反馈文本分析：语言、情感与关注点（中/英）。"
)

_BATCH = 2000


@app.callback()
def _feedback() -> None:
    """Feedback text analytics."""


@app.command()
def analyze(
    file: Annotated[
        Path, typer.Argument(help="CSV, Parquet, JSONL, Excel, or text with one comment a line.")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column with the comments.")
    ] = None,
    taxonomy: Annotated[
        str,
        typer.Option(
            help="Aspect taxonomy: default (chosen to fit the comments), banking, retail, both "
            "or a YAML file. 方面词表：default（按评论自动选择）、banking、retail、both 或 "
            "YAML 文件。"
        ),
    ] = "default",
) -> None:
    """Write text, language, sentiment, sentiment_score and aspects for each comment."""
    try:
        comments = read_comments(file, text_column)
        if taxonomy == "default":  # fitted to the comments: bank data never gets retail aspects
            from loyalloop.feedback.aspects import choose_taxonomy

            taxonomy = choose_taxonomy(comments["text"].tolist())[0]
        tax = load_taxonomy("default" if taxonomy == "both" else taxonomy)
    except LoyalloopError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    texts = comments["text"].tolist()
    parts = []
    with Progress(transient=True) as progress:
        task = progress.add_task("analysing", total=len(texts))
        for start in range(0, len(texts), _BATCH):
            batch = texts[start : start + _BATCH]
            parts.append(analyze_texts(batch, taxonomy=tax))
            progress.advance(task, len(batch))
    result = pd.concat(parts, ignore_index=True) if parts else analyze_texts([])
    write_safe_csv(result, out)
    counts = result["sentiment"].value_counts()
    typer.echo(
        f"{len(result)} comments → {out} "
        f"(positive {counts.get('positive', 0)}, neutral {counts.get('neutral', 0)}, "
        f"negative {counts.get('negative', 0)})"
    )
