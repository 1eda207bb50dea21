"""The dashboard's case sections on known data: SLA compliance per team and priority, recovery
rate per topic and team (Wilson intervals checked against statsmodels), the themes board (the
same figures as the library's before/after test), small numbers stated, English and Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import ibis
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from apikit import build
from statsmodels.stats.proportion import proportion_confint
from svc_fixtures import make_store

from loyalloop.api.deps import LANG_COOKIE
from loyalloop.cases import Signal, SignalKind, ThemeAction, Verdict, theme_effect
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError
from loyalloop.services import Actor, Store
from loyalloop.services.cases import add_note, apply_signals, change_status, set_team
from loyalloop.services.dashboard import case_dashboard, load_theme_actions, themes
from loyalloop.store.models import CaseRow

MON_9 = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai
NOW = MON_9 + dt.timedelta(days=40)
AGENT = Actor("agent@bank.example")


def _open(store: Store, signals: list[Signal], at: dt.datetime = MON_9) -> dict[str, int]:
    with store.session() as s:
        apply_signals(s, signals, now=at)
        return dict(s.execute(sa.select(CaseRow.customer_id, CaseRow.id)).all())  # type: ignore[arg-type]


def _work(
    store: Store, case_id: int, *, respond: bool, resolve: bool, at: dt.datetime = MON_9
) -> None:
    with store.session() as s:
        if respond:
            add_note(s, case_id, "我们已联系您", visibility="customer", expected_version=None,
                     actor=AGENT, now=at + dt.timedelta(minutes=20))  # fmt: skip
        if resolve:
            change_status(s, case_id, "resolved", expected_version=None, actor=AGENT,
                          resolution_code="fixed", now=at + dt.timedelta(hours=1))  # fmt: skip
        s.commit()


def _warehouse(store: Store, tmp_path: Path, customers: list[str], feedback: str, tx: str) -> None:
    files = {
        "customers": "customer_id\n" + "".join(f"{c}\n" for c in customers),
        "feedback": "feedback_id,customer_id,timestamp,channel,score_type,score\n" + feedback,
        "transactions": "transaction_id,customer_id,timestamp,amount\n" + tx,
    }
    with open_warehouse(store.analytics) as wh:
        for table, text in files.items():
            path = tmp_path / f"{table}.csv"
            path.write_text(text, encoding="utf-8")
            res = ingest(wh, table, [path])
            assert res.quarantined == 0, (table, res)


def _wilson(k: int, n: int) -> tuple[float, float]:
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return float(lo), float(hi)


def test_sla_compliance_and_recovery_known_data(tmp_path: Path, store_url: str) -> None:
    store = make_store(tmp_path, store_url)
    try:
        with store.session() as s:
            set_team(s, "cx_callback", actor=Actor.cli(), agents=["agent@bank.example"])
            set_team(s, "complaints", actor=Actor.cli(), agents=["agent@bank.example"])
        detractors = [f"D{i:02d}" for i in range(15)]
        complainants = [f"K{i}" for i in range(3)]
        signals = [
            Signal(f"r-{c}", c, SignalKind.FEEDBACK, MON_9, score_type="nps", score=3)
            for c in detractors
        ] + [
            Signal(
                f"r-{c}",
                c,
                SignalKind.FEEDBACK,
                MON_9,
                score_type="nps",
                score=7,
                text="我要投诉你们",
                sentiment=-0.8,
            )
            for c in complainants
        ]
        ids = _open(store, signals)
        # 12 detractor cases answered in 20 minutes and resolved in an hour; 3 never touched
        for c in detractors[:12]:
            _work(store, ids[c], respond=True, resolve=True)
        # the complaints: answered and resolved
        for c in complainants:
            _work(store, ids[c], respond=True, resolve=True)
        # after resolution (01:00 + 1 h UTC): 9 detractors answer 7–10, 2 answer 0–6, 1 not
        fb = "".join(
            f"f{c},{c},2026-06-20T10:00:00,survey,nps,{9 if i < 9 else 4}\n"
            for i, c in enumerate(detractors[:11])
        )
        fb += f"old,{detractors[11]},2026-05-20T10:00:00,survey,nps,10\n"  # before: not counted
        tx = "t1,K0,2026-06-10T10:00:00,50.0\nt2,K1,2026-05-01T10:00:00,80.0\n"  # K1: before
        _warehouse(store, tmp_path, detractors + complainants, fb, tx)

        with store.session() as s:
            board = case_dashboard(s, store.analytics, NOW)
        by = {(r.team, r.target): r for r in board.sla}
        fr = by[("cx_callback", "first_response")]
        assert (fr.met, fr.missed, fr.open) == (12, 3, 0)
        lo, hi = _wilson(12, 15)
        assert fr.rate == pytest.approx(0.8)
        assert fr.ci_low == pytest.approx(lo, abs=1e-9) and fr.ci_high == pytest.approx(
            hi, abs=1e-9
        )
        res = by[("cx_callback", "resolution")]
        assert (res.met, res.missed) == (12, 3)
        small = by[("complaints", "first_response")]  # 3 cases: a rate, no interval
        assert (small.met, small.missed, small.rate, small.ci_low) == (3, 0, 1.0, None)

        rec = {(r.topic, r.measure): r for r in board.recovery}
        d = rec[("detractor", "next_survey")]
        assert (d.recovered, d.not_recovered, d.no_answer, d.pending) == (9, 2, 0, 1)
        lo, hi = _wilson(9, 11)
        assert d.rate == pytest.approx(9 / 11)
        assert d.ci_low == pytest.approx(lo, abs=1e-9) and d.ci_high == pytest.approx(hi, abs=1e-9)
        k = rec[("complaint", "repurchase")]
        # K0 bought after resolution; K1 and K2 have not yet (90-day window still open)
        assert (k.recovered, k.not_recovered, k.pending, k.ci_low) == (1, 0, 2, None)
        assert board.notes == {"themes": "no_run"}  # no run in this home: said, not hidden
    finally:
        store.close()


def simulate(rng: np.random.Generator, action: dt.datetime, n: int) -> pd.DataFrame:
    """``n`` comments on ``annual_fee`` each side of ``action`` (sentiment up by 0.3, more
    promoters after), fewer on ``app``; as the run's ``feedback_aspects`` holds them."""
    rows = []
    for side, shares, mean in (("b", (0.2, 0.3, 0.5), -0.4), ("a", (0.4, 0.3, 0.3), -0.1)):
        for i in range(n):
            day = rng.uniform(0, 59)
            ts = (
                action - dt.timedelta(days=60 - day)
                if side == "b"
                else action + dt.timedelta(days=day)
            )
            s = float(np.clip(rng.normal(mean, 0.4), -1, 1))
            score = float(rng.choice([10, 8, 3], p=shares))
            label = "negative" if s < -0.2 else "neutral"
            rows.append((f"{side}{i}", ts, "annual_fee", label, s, "own", "nps", score))
            if i % 4 == 0:
                rows.append((f"{side}{i}", ts, "app", "negative", -0.5, "own", "nps", score))
            if i % 10 == 0:  # a competitor's fee: never on our board
                rows.append((f"x{side}{i}", ts, "rewards", "negative", -0.9, "rival", None, None))
    return pd.DataFrame(
        rows,
        columns=["feedback_id", "timestamp", "aspect", "sentiment", "sentiment_score", "brand",
                 "score_type", "score"],
    )  # fmt: skip


def test_themes_board_matches_the_library(tmp_path: Path) -> None:
    action = dt.datetime(2026, 3, 1)
    frame = simulate(np.random.default_rng(5), action, 300)
    path = tmp_path / "feedback_aspects.parquet"
    frame.to_parquet(path)
    as_of = (action + dt.timedelta(days=59)).date()
    run = SimpleNamespace(
        number=7,
        tables=["feedback_aspects"],
        table_path=lambda name: path,
        manifest=SimpleNamespace(as_of=as_of),
    )
    actions_file = tmp_path / "theme_actions.yaml"
    actions_file.write_text(
        "- {aspect: annual_fee, date: 2026-03-01, description: 年费减免}\n"
        "- {aspect: lounge, date: 2026-03-05, description: new lounge partner}\n",
        encoding="utf-8",
    )
    actions = load_theme_actions(actions_file)
    rows = themes(run, actions, window_days=60)  # type: ignore[arg-type]
    names = [r.aspect for r in rows]
    # ranked by negative comments in the last 60 days: annual_fee (after-period negatives),
    # then app; the rival's aspect is not ours; the lounge action is shown though not a top theme
    assert names == ["annual_fee", "app", "lounge"]
    fee = rows[0]
    mine = frame[(frame.brand == "own") & (frame.aspect == "annual_fee")]
    recent = mine[mine.timestamp >= pd.Timestamp(as_of) - pd.Timedelta(days=59)]
    assert fee.mentions == recent.feedback_id.nunique()
    assert fee.negative == recent[recent.sentiment == "negative"].feedback_id.nunique()
    (effect,) = fee.effects
    m = frame.assign(nps=frame.score.where(frame.score_type == "nps"))
    m = m.rename(columns={"sentiment": "label", "sentiment_score": "sentiment"})
    m = m[m.brand == "own"][["feedback_id", "timestamp", "aspect", "sentiment", "nps"]]
    direct = theme_effect(ibis.memtable(m), ThemeAction("annual_fee", action, "年费减免"))
    assert effect.sentiment_verdict is Verdict.IMPROVED and effect.nps_verdict is Verdict.IMPROVED
    for got, want in (
        (effect.nps_change, direct.nps_change),
        (effect.sentiment_change.absolute, direct.sentiment_change.absolute),
    ):  # the same figures (up to the order of a float sum)
        assert (got.estimate, got.low, got.high) == pytest.approx(
            (want.estimate, want.low, want.high), rel=1e-9
        )
    assert effect.sentiment_change.absolute.estimate == pytest.approx(0.3, abs=0.08)
    assert rows[1].effects == () and rows[2].mentions == 0
    (lounge,) = rows[2].effects
    assert lounge.sentiment_verdict is Verdict.TOO_FEW  # no comments: says so, no verdict


def test_theme_actions_file_errors_name_the_entry(tmp_path: Path) -> None:
    p = tmp_path / "theme_actions.yaml"
    assert load_theme_actions(p) == []
    p.write_text("- {aspect: fee, date: 2026-13-01}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"entry 1, field date: '2026-13-01' is not a date"):
        load_theme_actions(p)
    p.write_text("- {aspect: fee, date: 2026-03-01}\n- {date: 2026-03-01}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="entry 2, field aspect"):
        load_theme_actions(p)
    p.write_text("- {aspect: fee, date: 2026-03-01, owner: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"entry 1: unknown field\(s\) owner"):
        load_theme_actions(p)


def test_dashboard_page_shows_case_sections_in_both_languages(
    tmp_path: Path, store_url: str
) -> None:
    store = make_store(tmp_path, store_url)
    try:
        world = build(store, customers=2)
        with store.session() as s:
            set_team(s, "cx_callback", actor=Actor.cli(), agents=["agent@bank.example"])
        at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)  # in the page's 90 days
        ids = _open(store, [Signal("r-x", "X1", SignalKind.FEEDBACK, at, score_type="nps",
                                   score=1)], at)  # fmt: skip
        _work(store, ids["X1"], respond=True, resolve=False, at=at)
        manager = world.client("analyst")
        manager.cookies.set(LANG_COOKIE, "en")
        en = manager.get("/").text
        assert "SLA compliance" in en and "Recovery rate" in en and "Themes board" in en
        assert "n = 1: too few for an interval" in en  # one decided clock: no interval drawn
        manager.cookies.set(LANG_COOKIE, "zh")
        zh = manager.get("/").text
        assert "时限达成率" in zh and "挽回率" in zh and "主题看板" in zh
        assert "n = 1：样本太少，不给出区间" in zh
        assert "暂无法计算：主题来自最新一次运行的反馈分析" in zh  # no run yet: said in Chinese
    finally:
        store.close()


def test_themes_carry_the_runs_names_and_definitions(tmp_path: Path) -> None:
    """A theme row names its aspect and says what it covers, from the run's ``aspect_summary``
    (the page shows both); an aspect the taxonomy does not define gets no definition."""
    import pyarrow as pa

    action = dt.datetime(2026, 3, 1)
    path = tmp_path / "feedback_aspects.parquet"
    simulate(np.random.default_rng(5), action, 300).to_parquet(path)
    summary = pa.table(
        {
            "aspect": ["annual_fee", "app"],
            "label": ["Annual fee", "App"],
            "label_zh": ["年费", "APP"],
            "definition": ["The yearly fee for holding the card.", ""],
            "definition_zh": ["持卡的年度费用。", ""],
        }
    )
    run = SimpleNamespace(
        number=7,
        tables=["feedback_aspects", "aspect_summary"],
        table_path=lambda name: path,
        read=lambda name: summary,
        manifest=SimpleNamespace(as_of=(action + dt.timedelta(days=59)).date()),
    )
    rows = {r.aspect: r for r in themes(run, [], window_days=60)}  # type: ignore[arg-type]
    fee, app = rows["annual_fee"], rows["app"]
    assert (fee.name("zh"), fee.covers("zh")) == ("年费", "持卡的年度费用。")
    assert (fee.name("en"), fee.covers("en")) == (
        "Annual fee",
        "The yearly fee for holding the card.",
    )
    assert app.name("en") == "App" and app.covers("en") == app.covers("zh") == ""
