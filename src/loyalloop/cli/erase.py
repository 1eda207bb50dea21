"""``loyalloop erase`` and ``loyalloop export-person``: a person's right to be forgotten and
their access request (:mod:`loyalloop.services.erasure`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import output_file
from loyalloop.cli.output import confirm, emit_json, err, handle_errors, out, to_json
from loyalloop.errors import ConfigError

if TYPE_CHECKING:
    from loyalloop.core.runs import Run

__all__ = ["app", "erase", "export_person"]

PANEL = "Customers 客户"

app = typer.Typer(add_completion=False)

CustomerArg = Annotated[
    str, typer.Argument(help="The customer's id (as in the source data). 客户编号。")
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one strict JSON object on standard output. 输出 JSON（错误亦然）。"
    ),
]


def _write_report(run: Run, lang: str, path: Path) -> object:
    from loyalloop.report.html import write_report

    return write_report(run, path, "zh" if lang == "zh" else "en")


@app.command("erase", rich_help_panel=PANEL)
def erase(
    ctx: typer.Context,
    customer_id: CustomerArg,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask for confirmation. 不再确认。")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Erase a customer's personal data everywhere: warehouse, store, runs, reports.
    删除客户的个人数据（数据仓库、业务库、历次运行与报告）。

    Names, e-mails, phones and the customer's own words are removed; rows the figures need
    stay under a random id. An audit record without personal data is kept. Later ingests drop
    the customer's rows (an old export does not bring them back). Running it again is safe:
    it says nothing is left. Cannot be undone.
    姓名、邮箱、电话和客户原话被删除；统计所需的行以随机编号保留；保留不含个人数据的审计记录。
    之后再导入旧文件不会恢复该客户。重复执行是安全的。此操作不可撤销。
    """
    with handle_errors(as_json):
        if as_json and not yes:
            raise ConfigError("erasing cannot be undone: add --yes to confirm")
        confirm(
            f"Erase customer {customer_id} everywhere? This cannot be undone. "
            "确认删除该客户的全部个人数据？此操作不可撤销。",
            yes=yes,
            as_json=as_json,
            declined="nothing erased. 未删除任何数据。",
        )
        from loyalloop.services.audit import Actor
        from loyalloop.services.erasure import erase_person

        store = open_service_store(ctx)
        try:
            result = erase_person(
                store, customer_id, actor=Actor.cli(), report_writer=_write_report
            )
        finally:
            store.close()
    data = result.to_dict()
    if as_json:
        emit_json(data)
    else:
        _print_erasure(data)
    if not result.complete:
        raise typer.Exit(1)


def _print_erasure(data: dict[str, Any]) -> None:
    if data["nothing_left"]:
        out.print(
            "nothing left to erase: this customer was already erased "
            f"(audit record {data['erasure_id']}). 无可删除内容：该客户已被删除。",
            markup=False,
        )
    else:
        out.print(
            f"erased: {data['rows']:,} rows in {len(data['places'])} places; tombstone id "
            f"{data['tombstone_id']}; audit record {data['erasure_id']}. 已删除。",
            markup=False,
        )
        for p in data["places"]:
            out.print(
                f"  {p['location']:<9} {p['target']:<40} {p['action']:<10} {p['rows']:>7,}",
                markup=False,
            )
    if data["unclassified"]:
        err.print(
            "NOT COMPLETE: these places are not in the PII registry and were not erased "
            "(未完成：以下位置未登记，未删除): " + ", ".join(data["unclassified"]),
            markup=False,
        )
    if data["unmanaged"]:
        err.print(
            f"{len(data['unmanaged'])} file(s) under the project home are not managed by "
            "Loyalloop and were not rewritten (check them yourself) 以下文件不受管理，未改写: "
            + ", ".join(data["unmanaged"][:10])
            + (" …" if len(data["unmanaged"]) > 10 else ""),
            markup=False,
        )


@app.command("export-person", rich_help_panel=PANEL)
def export_person(
    ctx: typer.Context,
    customer_id: CustomerArg,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the JSON to this file (default: standard output). "
            "输出文件（默认标准输出）。",
        ),
    ] = None,
) -> None:
    """Everything held about one customer, as JSON (an access request).
    导出某位客户的全部数据（JSON，用于查阅请求）。

    Warehouse rows, store rows (responses, invitations, cases and their events, consent
    history, campaign assignments and messages) and their rows in every run's outputs.
    数据仓库、业务库（回复、邀请、工单、同意记录、营销活动）及历次运行结果中该客户的行。
    """
    with handle_errors(as_json=out_file is None):
        from loyalloop.core.export import atomic_output
        from loyalloop.services.audit import Actor
        from loyalloop.services.erasure import export_person as export

        if out_file is not None:
            output_file(ctx, out_file, suffixes=(".json",))
        store = open_service_store(ctx)
        try:
            data = export(store, customer_id, actor=Actor.cli())
        finally:
            store.close()
        if out_file is None:
            emit_json(data)
            return
        with atomic_output(out_file) as tmp:
            tmp.write_text(to_json(data) + "\n", encoding="utf-8")
    err.print(f"wrote {out_file} 已写入", markup=False)
