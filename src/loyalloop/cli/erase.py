"""``loyalloop erase`` and ``loyalloop export-person``: a person's right to be forgotten and
their access request (:mod:`loyalloop.services.erasure`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import LangOpt, lang_of, output_file
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
    lang: LangOpt = None,
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
        from loyalloop.cli.talk import t

        lg = lang_of(ctx, lang)
        if as_json and not yes:
            raise ConfigError(t("cli_er_needs_yes", lg))
        confirm(
            t("cli_er_confirm", lg, customer=customer_id),
            yes=yes,
            as_json=as_json,
            declined=t("cli_er_declined", lg),
            lang=lg,
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
        _print_erasure(data, lg)
    if not result.complete:
        raise typer.Exit(1)


def _print_erasure(data: dict[str, Any], lang: Literal["en", "zh"]) -> None:
    """What an erasure did, in ``lang``; the places' locations and actions by their names, the
    tables by theirs (JSON keeps the codes)."""
    from loyalloop.cli.talk import code_name, t

    if data["nothing_left"]:
        out.print(t("cli_er_nothing_left", lang, id=data["erasure_id"]), markup=False)
    else:
        line = t(
            "cli_er_erased",
            lang,
            rows=f"{data['rows']:,}",
            places=len(data["places"]),
            tombstone=data["tombstone_id"],
            id=data["erasure_id"],
        )
        out.print(line, markup=False)
        for p in data["places"]:
            where = code_name("cli_er_loc_", p["location"], lang)
            done = code_name("cli_er_act_", p["action"], lang)
            out.print(f"  {where:<9} {p['target']:<40} {done:<10} {p['rows']:>7,}", markup=False)
    sep = t("cli_list_sep", lang)
    if data["unclassified"]:
        places = sep.join(data["unclassified"])
        err.print(t("cli_er_unclassified", lang, places=places), markup=False)
    if data["unmanaged"]:
        files = sep.join(data["unmanaged"][:10]) + (" …" if len(data["unmanaged"]) > 10 else "")
        line = t("cli_er_unmanaged", lang, n=len(data["unmanaged"]), files=files)
        err.print(line, markup=False)


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
    lang: LangOpt = None,
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
    from loyalloop.cli.talk import t

    err.print(t("cli_er_wrote", lang_of(ctx, lang), path=out_file), markup=False)
