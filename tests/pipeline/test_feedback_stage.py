"""The feedback stage on the sample business (known truth) and on tiny data; its report sections."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.conftest import write
from tests.pipeline.test_runs import load

from loyalloop.core import Settings
from loyalloop.core.results import DriverSummary, FeedbackSummary, NotComputed
from loyalloop.core.runs import Run, RunStore
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.feedback import AlertRule
from loyalloop.pipeline import run_pipeline
from loyalloop.pipeline import stages as stages_module
from loyalloop.pipeline.feedback_stage import KANO_TABLE, stage_feedback
from loyalloop.pipeline.stage import Stage
from loyalloop.report import html as html_module
from loyalloop.report import render_report
from loyalloop.report.feedback_section import FEEDBACK_SECTIONS

EVIL_BRAND = "<img src=x onerror=alert(1)>"
#: Entity-encoded, so cleaning turns it into a literal <script> tag inside the comment text.
EVIL_TEXT = "&lt;script&gt;alert('xss')&lt;/script&gt; 网点门口的停车场太小了，停不下车"
#: A burst of complaints, 15 a week for four weeks from 2025-06-23 (a fee change that keeps
#: customers complaining), on top of the stable sample.
SPIKE_TEXT = "年费太贵了，客服态度很差"
SPIKE_WEEKS = pd.date_range("2025-06-23", periods=4, freq="7D")
SPIKE_ROWS = [(f"Z{w}{i:02d}", week + pd.Timedelta(days=i % 5)) for w, week in enumerate(SPIKE_WEEKS)
              for i in range(15)]  # fmt: skip
KANO = pd.DataFrame(
    {
        "answer_id": [f"k{i}" for i in range(8)],
        "timestamp": pd.Timestamp("2025-06-01"),
        "feature": ["airport lounge"] * 4 + ["安全提醒"] * 4,
        "functional": ["like", "like", "like", "neutral", "like", "neutral", "neutral", "neutral"],
        "dysfunctional": ["neutral"] * 3 + ["neutral"] + ["dislike"] * 4,
    }
)


def _stages() -> list[Stage]:
    """The registered stages (the feedback stage among them)."""
    stages = list(stages_module.STAGES)
    assert any(s.name == "feedback" and s.function.resolve() is stage_feedback for s in stages)
    return stages


@pytest.fixture
def with_feedback_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline and report as the lead will register them (idempotent once registered)."""
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", _stages())
    sections = list(html_module.SECTIONS)
    if not set(FEEDBACK_SECTIONS) <= set(sections):
        sections[-1:-1] = FEEDBACK_SECTIONS  # before the data section
    monkeypatch.setattr(html_module, "SECTIONS", sections)


def _fb(run: Run) -> FeedbackSummary:
    info = run.manifest.feedback
    assert isinstance(info, FeedbackSummary), info
    return info


def _evil_rows(tmp: Path) -> Path:
    lines = ["feedback_id,timestamp,channel,brand,text"]
    lines += [
        f"X{i:03d},2025-06-0{1 + i % 9} 10:00:00,review,{EVIL_BRAND},服务一般" for i in range(5)
    ]
    lines += [f'Y{i:03d},2025-06-1{i % 9} 10:00:00,review,own,"{EVIL_TEXT}"' for i in range(12)]
    lines += [f"{fid},{day:%Y-%m-%d} 10:00:00,social,own,{SPIKE_TEXT}" for fid, day in SPIKE_ROWS]
    return write(tmp / "evil.csv", "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def sample_run(
    tmp_path_factory: pytest.TempPathFactory, sample_homes: Any
) -> Iterator[tuple[Run, Path]]:
    """Sample business (2,000 customers, seed 1) + malicious rows + KANO answers, one run."""

    def build(home: Path) -> None:
        settings = Settings(home=home, timezone="UTC", phone_region="CN")
        # load_sample(settings, customers=2000, seed=1), loaded once for this and
        # test_churn_loyalty_stages
        sample_homes.load(settings, customers=2000, seed=1)
        with open_warehouse(settings) as wh:
            result = ingest(wh, "feedback", [_evil_rows(home.parent)])
            assert result.loaded == 5 + 12 + len(SPIKE_ROWS), result
            wh.raw.register("_kano_df", KANO)
            wh.raw.execute(f"CREATE OR REPLACE TABLE {KANO_TABLE} AS SELECT * FROM _kano_df")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("loyalloop.pipeline.run.STAGES", _stages())
            run_pipeline(settings)

    # the home with its run is made once per test run and copied here (this fixture is made
    # again whenever the module's tests come back to a worker)
    home = tmp_path_factory.mktemp("feedback_stage") / "home"
    shutil.copytree(sample_homes.built("feedback_stage-run", build), home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("loyalloop.pipeline.run.STAGES", _stages())
        yield RunStore(home / "runs").latest(), home


@pytest.mark.slow
def test_every_comment_analysed_once_with_consistent_labels(sample_run: tuple[Run, Path]) -> None:
    run, home = sample_run
    feedback = pd.read_csv(home / "sample" / "feedback.csv", dtype=str, keep_default_na=False)
    with_text = set(feedback.loc[feedback["text"].str.strip() != "", "feedback_id"])
    with_text |= {f"X{i:03d}" for i in range(5)} | {f"Y{i:03d}" for i in range(12)}
    with_text |= {fid for fid, _ in SPIKE_ROWS}
    fa = run.read("feedback_analysis").to_pandas()
    assert fa["feedback_id"].is_unique
    assert set(fa["feedback_id"]) == with_text
    assert fa["sentiment_score"].between(-1, 1).all()
    assert set(fa["sentiment"]) <= {"positive", "neutral", "negative"}
    assert (fa.loc[fa["sentiment"] == "positive", "sentiment_score"] > 0).all()
    assert (fa.loc[fa["sentiment"] == "negative", "sentiment_score"] < 0).all()
    assert set(fa["brand"]) >= {"own", EVIL_BRAND} and fa["brand"].notna().all()
    # known customers are linked to their unified profile
    known = fa["customer_id"].notna()
    assert known.any() and fa.loc[known, "profile_id"].notna().all()
    m = _fb(run)
    assert m.comments == len(fa)
    own = fa[fa["brand"] == "own"]
    assert m.own_comments == len(own)
    assert m.share_negative == pytest.approx((own["sentiment"] == "negative").mean())
    # the aspects column and the mention table say the same thing
    mentions = run.read("feedback_aspects").to_pandas()
    from_mentions = mentions.groupby("feedback_id")["aspect"].agg(lambda s: sorted(set(s)))
    from_column = {
        fid: sorted({p.split(":")[0] for p in a.split("; ")})
        for fid, a in zip(fa["feedback_id"], fa["aspects"], strict=True)
        if a
    }
    assert from_column == from_mentions.to_dict()


@pytest.mark.slow
def test_aspect_summary_trends_and_alerts_add_up(sample_run: tuple[Run, Path]) -> None:
    run, _ = sample_run
    mentions = run.read("feedback_aspects").to_pandas()
    own = mentions[mentions["brand"] == "own"]
    summary = run.read("aspect_summary").to_pandas().set_index("aspect")
    assert summary["mentions"].sum() == len(own)
    assert (summary[["positive", "neutral", "negative"]].sum(axis=1) == summary["mentions"]).all()
    counts = own.groupby("aspect")["sentiment"].value_counts().unstack(fill_value=0)
    for s in ("positive", "neutral", "negative"):
        assert (summary.loc[counts.index, s] == counts[s]).all()
    assert summary["label_zh"].notna().all()
    trends = run.read("aspect_trends").to_pandas()
    for freq in ("W", "M"):
        part = trends[trends["freq"] == freq]
        assert part["mentions"].sum() == len(own)
        negatives = part.groupby("aspect")["negative"].sum()
        assert negatives[negatives > 0].to_dict() == (
            own[own["sentiment"] == "negative"].groupby("aspect").size().to_dict()
        )
    alerts = run.read("feedback_alerts").to_pandas()
    assert len(alerts) == _fb(run).alerts
    assert set(alerts["freq"]) <= {"W", "M"} and (alerts["p_value"] < AlertRule().alpha).all()
    assert set(alerts["direction"]) <= {"worse", "better"}
    # the injected four-week burst of annual-fee and service complaints is flagged where it
    # moves the negative share beyond the over-dispersed baseline (annual fee): in its first
    # week, or pooled over its four weeks (``sustained``). The baseline is thin (35 annual-fee
    # mentions in 26 weeks): a one-week burst of 15 sat at alpha even on the sample's truth
    # labels (p 0.00198) and was lost by a reader that reads one baseline mention more negative
    # than the truth (round 12, benchmarks/results/feedback.md); over four weeks the sustained
    # test is far from the edge (replay of this sample with the round-13 reader: baseline 16 of
    # 35 negative, first week p 0.0020, four weeks p 0.0001; round 13) …
    weekly = alerts["freq"] == "W"
    in_burst = weekly & alerts["period"].between(SPIKE_WEEKS[0], SPIKE_WEEKS[-1])
    monthly = (alerts["freq"] == "M") & alerts["period"].isin(
        [pd.Timestamp("2025-06-01"), pd.Timestamp("2025-07-01")]
    )
    burst = alerts[in_burst | monthly]
    fee = alerts[in_burst & (alerts["aspect"] == "annual_fee")]
    assert len(fee) > 0 and (fee["direction"] == "worse").all()
    assert (burst["direction"] == "worse").all()
    # … while the otherwise stable business raises few alarms over ~10 aspects × (~120 weeks +
    # ~28 months) of tests
    assert len(alerts) - len(burst) <= 8


@pytest.mark.slow
def test_generator_truth_is_recovered(sample_run: tuple[Run, Path]) -> None:
    """Aspect recall and sentiment agreement against the sample's per-aspect truth.

    The sample's aspect names are the taxonomy keys, and the stage picks the banking taxonomy
    for the card sample by itself. Thresholds sit a few points under the measurements on this
    sample (2,000 customers, seed 1), so a real regression fails while the data stay fixed.
    """
    run, home = sample_run
    truth = pd.read_parquet(home / "sample" / "truth" / "feedback_truth.parquet")
    found = (
        run.read("feedback_aspects")
        .to_pandas()
        .groupby(["feedback_id", "aspect"])["sentiment"]
        .first()
        .reset_index()
    )
    joined = truth.merge(found, on=["feedback_id", "aspect"], how="left", suffixes=("", "_pred"))
    hit = joined["sentiment_pred"].notna()
    recall = float(hit.mean())
    both = joined[hit]
    agreement = float((both["sentiment"] == both["sentiment_pred"]).mean())
    polar = both[both["sentiment"] != "neutral"]
    polarity = float((polar["sentiment"] == polar["sentiment_pred"]).mean())
    assert recall >= 0.93, recall
    assert agreement >= 0.88, agreement
    assert polarity >= 0.92, polarity
    assert _fb(run).taxonomy == "banking"
    # the comment's overall sentiment follows the latent satisfaction behind it
    latent = truth.groupby("feedback_id")["latent_satisfaction"].first()
    fa = run.read("feedback_analysis").to_pandas().set_index("feedback_id")
    common = fa.index.intersection(latent.index)
    rho = np.corrcoef(fa.loc[common, "sentiment_score"], latent.loc[common])[0, 1]
    assert rho > 0.5, rho


@pytest.mark.slow
def test_detractors_complain_more_than_promoters(sample_run: tuple[Run, Path]) -> None:
    run, _ = sample_run
    fa = run.read("feedback_analysis").to_pandas()
    nps = fa[fa["score_type"] == "nps"]
    detractors = nps[nps["score"] <= 6]
    promoters = nps[nps["score"] >= 9]
    assert len(detractors) > 30 and len(promoters) > 30
    neg_d = (detractors["sentiment"] == "negative").mean()
    neg_p = (promoters["sentiment"] == "negative").mean()
    assert neg_d > 0.65 and neg_p < 0.3, (neg_d, neg_p)


@pytest.mark.slow
def test_drivers_topics_kano_benchmark_channels(sample_run: tuple[Run, Path]) -> None:
    run, _ = sample_run
    m = _fb(run)
    drivers = run.read("key_drivers").to_pandas()
    assert set(drivers["score_type"]) == {"nps", "csat"}
    for _, d in drivers.groupby("score_type"):
        assert d["importance"].sum() == pytest.approx(1.0)
        assert set(d["quadrant"]) <= {"fix first", "keep up", "monitor", "lower priority"}
    # comment sentiment drives NPS in the generator: the fitted coefficients are mostly positive
    nps = drivers[drivers["score_type"] == "nps"]
    assert (nps["coefficient"] > 0).mean() >= 0.75
    assert isinstance(m.key_drivers, dict)
    nps_drivers = m.key_drivers["nps"]
    assert isinstance(nps_drivers, DriverSummary) and nps_drivers.r_squared > 0.1
    topics = run.read("topics").to_pandas()
    assert set(topics["scope"]) <= {"all", "unmatched"} and "all" in set(topics["scope"])
    assert all(
        len(p) > 0 and 0 < len(e) <= 3
        for p, e in zip(topics["phrases"], topics["examples"], strict=True)
    )
    kano = run.read("kano").to_pandas().set_index("feature")
    assert kano.loc["airport lounge", "category"] == "A"
    assert kano.loc["安全提醒", "category"] == "M"
    assert m.kano_features == 2
    bench = run.read("brand_benchmark").to_pandas()
    sent = bench[bench["metric"] == "sentiment"].set_index("brand")
    assert {"own", "NorthStar Bank", EVIL_BRAND} <= set(sent.index)
    assert (sent["ci_low"] <= sent["value"]).all() and (sent["value"] <= sent["ci_high"]).all()
    assert bench.loc[bench["metric"] == "nps", "brand"].tolist() == ["own"]
    channels = run.read("channel_comparison").to_pandas()
    assert len(channels) > 0 and channels["channel"].nunique() >= 2
    assert m.channel_disagreements == int(channels["disagrees"].sum())


@pytest.mark.slow
def test_report_sections_in_both_languages_escape_customer_text(
    sample_run: tuple[Run, Path], with_feedback_stage: None
) -> None:
    run, _ = sample_run
    en = render_report(run, "en")
    zh = render_report(run, "zh")
    for html, words in (
        (en, ["What customers say", "Key drivers", "Topics in the comments", "Competitor"]),
        (zh, ["客户反馈", "关键驱动因素", "评论话题", "竞品对比", "魅力型"]),
    ):
        for w in words:
            assert w in html
        for div in ("chart-fb-aspects", "chart-fb-trends", "chart-fb-drivers", "chart-fb-kano"):
            assert f'id="{div}"' in html
        # untrusted text appears only escaped: in tables as entities, in charts as JSON escapes
        assert EVIL_BRAND not in html and "onerror=alert(1)>" not in html
        assert "<script>alert('xss')" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        # twelve identical comments are one comment to the topic model, not a topic of examples
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" not in html
        assert 'id="feedback-signals"' in html


def test_tiny_data_records_why_analyses_were_skipped(
    settings: Settings, tmp_path: Path, with_feedback_stage: None
) -> None:
    load(settings, tmp_path)
    run = run_pipeline(settings)
    m = _fb(run)
    assert m.comments == 2
    assert isinstance(m.kano_features, NotComputed)
    assert m.kano_features.status == "not_configured"
    assert "no KANO answers" in m.kano_features.message
    skipped = dict(run.manifest.not_computed())
    assert any(k.startswith("feedback.key_drivers") for k in skipped)
    assert skipped["feedback.topics"].status == "insufficient_data"
    assert "feedback" not in skipped
    fa = run.read("feedback_analysis").to_pandas().set_index("feedback_id")
    assert (
        fa.loc["F2", "sentiment"] == "negative" and "annual_fee:negative" in fa.loc["F2", "aspects"]
    )
    for lang in ("en", "zh"):
        html = render_report(run, lang)
        assert "kano_answers" in html and 'id="feedback-aspects"' in html


def test_no_comments_is_recorded_not_fatal(
    settings: Settings, tmp_path: Path, with_feedback_stage: None
) -> None:
    load(settings, tmp_path)
    with open_warehouse(settings) as wh:
        wh.raw.execute("UPDATE feedback SET text = NULL")
    run = run_pipeline(settings)
    why = run.manifest.feedback
    assert isinstance(why, NotComputed) and why.status == "no_data"
    assert "no feedback comments" in why.message
    assert "feedback_analysis" not in run.tables
    html = render_report(run, "en")
    assert "no feedback comments" in html


def test_competitor_only_comments(
    settings: Settings, tmp_path: Path, with_feedback_stage: None
) -> None:
    """No own-brand comment: own-brand analyses are empty, the benchmark still runs."""
    load(settings, tmp_path)
    with open_warehouse(settings) as wh:
        wh.raw.execute("UPDATE feedback SET brand = 'Rival'")
    run = run_pipeline(settings)
    m = _fb(run)
    assert m.comments == 2 and m.own_comments == 0 and m.share_negative is None
    assert run.read("aspect_trends").num_rows == 0 and run.read("feedback_alerts").num_rows == 0
    bench = run.read("brand_benchmark").to_pandas()
    assert set(bench["brand"]) == {"Rival"}
    for lang in ("en", "zh"):
        assert 'id="feedback-competitors"' in render_report(run, lang)


@pytest.mark.parametrize(("setting", "shown"), [("masked", False), ("raw", True)])
def test_clause_text_setting_masks_or_keeps_personal_numbers(
    settings: Settings, tmp_path: Path, with_feedback_stage: None, setting: str, shown: bool
) -> None:
    """``feedback.clause_text``: clauses are masked by default, as written when set to raw."""
    from loyalloop.pipeline.config import RunConfig

    load(settings, tmp_path)
    with open_warehouse(settings) as wh:
        wh.raw.execute(
            "UPDATE feedback SET text = '年费太贵请回电13812345678' WHERE feedback_id = 'F2'"
        )
    config = RunConfig.from_dict({"feedback": {"clause_text": setting}})
    run = run_pipeline(settings, config)
    clauses = run.read("feedback_aspects").to_pandas()["clause"]
    text = " ".join(clauses)
    assert ("13812345678" in text) is shown
    assert "年费太贵" in text
    with pytest.raises(Exception, match="clause_text"):
        RunConfig.from_dict({"feedback": {"clause_text": "plain"}})


def test_app_store_reviews_carry_the_channel_tag_to_the_clause_table(
    settings: Settings, tmp_path: Path, with_feedback_stage: None
) -> None:
    """An app-store review's judgement naming no aspect is an ``app_online`` mention marked
    ``source = channel`` in ``feedback_aspects``; the same words in a survey are not."""
    load(settings, tmp_path)
    rows = (
        "feedback_id,customer_id,timestamp,channel,text\n"
        "A1,,2024-02-02,app_review,Love it\n"
        "A2,,2024-02-03,app_review,The late fee is a rip-off. Terrible.\n"
        "A3,C1,2024-02-04,survey,Love it\n"
    )
    with open_warehouse(settings) as wh:
        ingest(wh, "feedback", [write(tmp_path / "apps.csv", rows)])
    run = run_pipeline(settings)
    m = run.read("feedback_aspects").to_pandas()
    got = sorted(
        m[m["feedback_id"].isin(["A1", "A2", "A3"])][
            ["feedback_id", "aspect", "sentiment", "source", "channel"]
        ].itertuples(index=False, name=None)
    )
    assert got == [
        ("A1", "app_online", "positive", "channel", "app_review"),
        ("A2", "app_online", "negative", "channel", "app_review"),
        ("A2", "fees", "negative", "text", "app_review"),
    ]
    assert set(m.loc[~m["feedback_id"].str.startswith("A"), "source"]) == {"text"}
    fa = run.read("feedback_analysis").to_pandas().set_index("feedback_id")
    assert fa.loc["A1", "aspects"] == "app_online:positive" and fa.loc["A3", "aspects"] == ""
    for lang in ("en", "zh"):
        assert 'id="feedback-aspects"' in render_report(run, lang)
