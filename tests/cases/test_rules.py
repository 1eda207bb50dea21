"""Case rules: the YAML configuration (errors with line and field), versioning, phrase matching
and the evaluation decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loyalloop.cases import (
    ActionKind,
    OpenCase,
    PhraseList,
    Priority,
    PriorityFormula,
    Signal,
    SignalKind,
    WinbackOutcome,
    check_new_version,
    default_case_config,
    evaluate_rules,
    load_case_config,
    match_phrases,
    parse_case_config,
)
from loyalloop.cases.reasons import Reason
from loyalloop.errors import CaseRuleError

T0 = dt.datetime(2025, 5, 6, 10, tzinfo=dt.UTC)
DEFAULT_TEXT = (
    Path(__file__).parents[2] / "src/loyalloop/cases/data/default_cases.yaml"
).read_text("utf-8")


@pytest.fixture(scope="module")
def config():  # type: ignore[no-untyped-def]
    return default_case_config()


def fb(sid: str, customer: str = "u1", *, score: float | None = None, text: str = "", **kw):  # type: ignore[no-untyped-def]
    return Signal(
        sid,
        customer,
        SignalKind.FEEDBACK,
        kw.pop("at", T0),
        score_type="nps" if score is not None else None,
        score=score,
        text=text,
        **kw,
    )


def test_default_config_loads(config) -> None:  # type: ignore[no-untyped-def]
    assert config.version == 1
    assert len(config.content_hash) == 64
    assert {r.id for r in config.rules.rules} >= {"detractor", "complaint_phrase", "churn_top_clv"}
    assert config.calendar.timezone == "Asia/Shanghai"
    assert config.calendar_for("urgent").week[5] == ((0, 1440),)  # every hour counts
    assert config.calendar_for("standard") is config.calendar
    assert "customer_erased" in config.resolution_codes


def test_hash_ignores_comments_and_layout_but_not_content() -> None:
    a = parse_case_config(DEFAULT_TEXT)
    b = parse_case_config("# a comment\n" + DEFAULT_TEXT.replace("max_score: 6", "max_score:    6"))
    assert a.content_hash == b.content_hash
    c = parse_case_config(DEFAULT_TEXT.replace("max_score: 6", "max_score: 5"))
    assert c.content_hash != a.content_hash
    assert c.rules.content_hash != a.rules.content_hash


def test_new_version_must_go_up() -> None:
    a = parse_case_config(DEFAULT_TEXT).rules
    same = parse_case_config(DEFAULT_TEXT.replace("version: 1", "version: 1  # unchanged")).rules
    assert check_new_version(None, a) is True
    assert check_new_version(a, same) is False
    changed = parse_case_config(DEFAULT_TEXT.replace("max_score: 6", "max_score: 5")).rules
    with pytest.raises(CaseRuleError, match="give the new rules version 2 or higher"):
        check_new_version(a, changed)
    bumped = parse_case_config(
        DEFAULT_TEXT.replace("max_score: 6", "max_score: 5").replace("version: 1", "version: 2")
    ).rules
    assert check_new_version(a, bumped) is True


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "    sla_class: urgent",
            "    sla_class: gold",
            "rules[0].sla_class",
            "no SLA class 'gold'",
        ),
        ("    max_score: 6", "    max_score: eleven", "rules[3].max_score", "whole number"),
        ("    max_score: 6", "    max_score: 10", "rules[3].max_score", "between 0 and 9"),
        (
            "    lists: [regulator]",
            "    lists: [regulators]",
            "rules[0].lists[0]",
            "no phrase list",
        ),
        ("    kind: detractor", "    kind: detracter", "rules[3].kind", "not one of"),
        ("    team: cx_callback", "    teem: cx_callback", "rules[3].teem", "unknown field"),
        ("    min_priority: P1", "    min_priority: P0", "rules[0].min_priority", "not one of"),
        (
            "      P1: {first_response: 2h, resolution: 8h}",
            "      P1: {first_response: 2 hours, resolution: 8h}",
            "sla.classes.standard.P1.first_response",
            "not a duration",
        ),
        (
            "      P2: {first_response: 4h, resolution: 16h}",
            "      P2: {first_response: 4h, resolution: 1h}",
            "sla.classes.standard.P2",
            "shorter than the first-response",
        ),
        ("  timezone: Asia/Shanghai", "  timezone: Asia/Beijing", "calendar", "unknown time zone"),
        (
            '    mon-fri: ["09:00-12:00", "13:00-18:00"]',
            '    mon-fri: ["09:00-12:00", "11:00-18:00"]',
            "calendar",
            "overlap",
        ),
        (
            "    supersedes: [detractor]",
            "    supersedes: [detracted]",
            "rules[2].supersedes[0]",
            "no rule has topic",
        ),
        (
            "  max_per_case: 500",
            "  max_per_case: lots",
            "compensation.max_per_case",
            "not an amount",
        ),
        (
            "  weights: {value: 0.3, risk: 0.3, severity: 0.4}",
            "  weights: {value: 0.5, risk: 0.3, severity: 0.4}",
            "priority",
            "sum to 1",
        ),
    ],
)
def test_errors_name_line_and_field(old: str, new: str, field: str, message: str) -> None:
    assert old in DEFAULT_TEXT, old
    text = DEFAULT_TEXT.replace(old, new, 1)
    with pytest.raises(CaseRuleError, match=message) as info:
        parse_case_config(text)
    err = info.value
    assert err.field == field
    assert err.line is not None
    # the line is the changed one, or the start of the mapping that holds it
    changed = _line_of(text, new.strip())
    assert err.line <= changed
    assert f"line {err.line}" in str(err)


def test_syntax_error_and_duplicates_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("version: 1\nrules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CaseRuleError, match=r"cases.yaml, line \d+: not valid YAML"):
        load_case_config(path)
    dup = DEFAULT_TEXT.replace(
        "    topic: detractor\n", "    topic: detractor\n    topic: other\n", 1
    )
    with pytest.raises(CaseRuleError, match="duplicate key 'topic'") as info:
        parse_case_config(dup)
    assert info.value.line == _line_of(dup, "topic: other")
    path.write_bytes(b"version: 1\n\xff\xfe")
    with pytest.raises(CaseRuleError, match="line 2: not UTF-8"):
        load_case_config(path)
    with pytest.raises(CaseRuleError, match="file not found"):
        load_case_config(tmp_path / "missing.yaml")
    with pytest.raises(CaseRuleError, match="empty"):
        parse_case_config("")


def test_phrases_after_normalisation() -> None:
    lists = (
        PhraseList(
            "complaint", ("投诉", "complaint", "report you"), exclusions=("不投诉", "no complaint")
        ),
        PhraseList("cancellation", ("销卡", "cancel my card")),
    )
    found = lambda text: [m.phrase for m in match_phrases(text, lists)]  # noqa: E731
    assert found("我要投訴你們！") == ["投诉"]  # traditional
    assert found("我要ＣＡＮＣＥＬ　ＭＹ　ＣＡＲＤ") == ["cancel my card"]  # full-width
    assert found("I will   cancel-my card today") == ["cancel my card"]
    assert found("Cancel My Card.") == ["cancel my card"]
    assert found("我不投诉，就是想问问") == []
    assert found("no complaint at all, but please report you to nobody") == ["report you"]
    assert found("uncomplaintive") == []
    assert found("<b>销卡</b>") == ["销卡"]
    assert found(None) == [] and found("") == []
    with pytest.raises(ValueError, match="empty after normalisation"):
        PhraseList("x", ("   ",))


def test_detractor_and_priority(config) -> None:  # type: ignore[no-untyped-def]
    sig = fb("s1", score=2, clv_percentile=0.97, churn_probability=0.7)
    (action,) = evaluate_rules(config.rules, [sig])
    assert action.kind is ActionKind.OPEN and action.topic == "detractor"
    assert action.team == "cx_callback" and action.sla_class == "standard"
    # 0.3 × 0.97 + 0.3 × 0.7 + 0.4 × 0.8 = 0.821 → P1
    assert action.priority is Priority.P1
    assert action.matches[0].priority_score == pytest.approx(0.821)
    assert action.matches[0].reasons[0] == Reason("nps_detractor", {"score": 2, "max_score": 6})
    assert str(action.matches[0].reasons[0]) == "NPS answer 2 (detractor: 0–6)"
    assert action.matches[0].reasons[0].text("zh") == "NPS 评分 2（贬损者：0–6 分）"
    assert action.rules_version == 1 and action.rules_hash == config.rules.content_hash
    unknown = evaluate_rules(config.rules, [fb("s2", score=6)])[0]
    # 0.15 + 0.15 + 0.4 × 0.4 = 0.46 → P3, and the reasons say the customer is unknown
    assert unknown.priority is Priority.P3
    assert "CLV percentile unknown; counted as 0.5" in map(str, unknown.matches[0].reasons)
    assert "客户终身价值百分位未知，按 0.5 计" in (r.text("zh") for r in unknown.matches[0].reasons)
    assert evaluate_rules(config.rules, [fb("s3", score=7)]) == []


def test_complaint_supersedes_detractor_and_regulator_is_p1(config) -> None:  # type: ignore[no-untyped-def]
    actions = evaluate_rules(config.rules, [fb("s1", score=0, text="服务太差，我要投诉")])
    assert [(a.topic, a.team) for a in actions] == [("complaint", "complaints")]
    both = evaluate_rules(
        config.rules,
        [
            fb(
                "s2",
                score=8,
                text="再不解决就打12378找银保监投诉",
                clv_percentile=0.1,
                churn_probability=0.1,
            )
        ],
    )
    assert [(a.topic, a.priority, a.sla_class) for a in both] == [
        ("complaint", Priority.P1, "urgent")
    ]
    assert both[0].matches[0].rule_id == "regulator_threat"
    assert "raised from" in " ".join(map(str, both[0].matches[0].reasons))
    cancel = evaluate_rules(config.rules, [fb("s3", score=3, text="年费太贵，我要销卡")])
    assert [a.topic for a in cancel] == ["retention"]


def test_negative_aspect(config) -> None:  # type: ignore[no-untyped-def]
    actions = evaluate_rules(config.rules, [fb("s1", aspects={"billing": -0.8, "points": 0.5})])
    assert [a.topic for a in actions] == ["negative_comment"]
    assert "billing" in str(actions[0].matches[0].reasons[0])
    assert actions[0].matches[0].severity == pytest.approx(0.8)
    assert evaluate_rules(config.rules, [fb("s2", aspects={"billing": -0.6})]) == []
    # the default rule watches money and security only
    assert evaluate_rules(config.rules, [fb("s3", aspects={"annual_fee": -0.9})]) == []
    # a detractor's negative comment is one detractor case, not two
    both = evaluate_rules(config.rules, [fb("s4", score=2, aspects={"billing": -0.9})])
    assert [a.topic for a in both] == ["detractor"]


def test_negative_aspect_names_the_complaint_the_comment_is_about(config) -> None:  # type: ignore[no-untyped-def]
    # "The fraud team blocked my card, so my rent payment was declined": billing is read more
    # negative, but the reading is far surer that the comment is about fraud and security
    aspects = {"billing": -0.9, "fraud_security": -0.75}
    sure = {"billing": 0.2, "fraud_security": 0.95}
    (named,) = evaluate_rules(config.rules, [fb("s1", aspects=aspects, aspect_confidence=sure)])
    why = named.matches[0].reasons[0]
    assert (why.code, why.params["aspect"]) == ("negative_aspect", "fraud_security")
    assert named.matches[0].severity == pytest.approx(0.75)  # the named aspect's own severity
    # without the reading's confidence (older runs) the most severe aspect is named, as before
    (old,) = evaluate_rules(config.rules, [fb("s2", aspects=aspects)])
    assert old.matches[0].reasons[0].params["aspect"] == "billing"
    assert old.matches[0].severity == pytest.approx(0.9)
    # an aspect outside the rule's aspects is never named, however sure the reading is
    (only,) = evaluate_rules(
        config.rules,
        [
            fb(
                "s3",
                aspects={"billing": -0.8, "app_online": -0.9},
                aspect_confidence={"billing": 0.1, "app_online": 0.99},
            )
        ],
    )
    assert only.matches[0].reasons[0].params["aspect"] == "billing"


def test_min_confidence_drops_aspects_the_comment_is_probably_not_about() -> None:
    text = DEFAULT_TEXT.replace(
        "    min_severity: 0.7\n", "    min_severity: 0.7\n    min_confidence: 0.2\n"
    )
    assert "min_confidence: 0.2" in text
    rules = parse_case_config(text).rules
    (rule,) = [r for r in rules.rules if r.id == "negative_comment"]
    assert rule.min_confidence == 0.2
    # billing found by "statement" in a comment about the app: no case
    unsure = fb("s1", aspects={"billing": -0.8, "app_online": -0.9},
                aspect_confidence={"billing": 0.05, "app_online": 0.97})  # fmt: skip
    assert evaluate_rules(rules, [unsure]) == []
    # of two watched aspects, the one under the limit is never named even when more severe
    (case,) = evaluate_rules(rules, [fb("s2", aspects={"billing": -0.95, "fraud_security": -0.7},
                                        aspect_confidence={"billing": 0.1, "fraud_security": 0.5})])  # fmt: skip
    what, sure = case.matches[0].reasons[:2]  # then the priority's unknown inputs
    assert (what.params["aspect"], case.matches[0].severity) == ("fraud_security", 0.7)
    assert (sure.code, sure.params["confidence"], sure.params["min_confidence"]) == (
        "aspect_confidence", 0.5, 0.2)  # fmt: skip
    assert sure.text("en") == (
        "the reading is 0.5 confident the comment or its clause is about fraud security (≥ 0.2)"
    )
    assert sure.text("zh", {"fraud_security": ("Fraud & security", "盗刷与安全")}) == (
        "解读认为评论或其分句谈及“盗刷与安全”的置信度为 0.5（≥ 0.2）"
    )
    # in a long comment about many things the comment's confidence is low, but the clause that
    # names the aspect, read alone, may be sure of it: the larger of the two counts
    long = fb("s6", aspects={"billing": -0.9}, aspect_confidence={"billing": 0.002},
              aspect_clause_confidence={"billing": 0.95})  # fmt: skip
    (kept_long,) = evaluate_rules(rules, [long])
    assert kept_long.matches[0].reasons[1].params["confidence"] == 0.95
    both_low = fb("s7", aspects={"billing": -0.9}, aspect_confidence={"billing": 0.1},
                  aspect_clause_confidence={"billing": 0.15})  # fmt: skip
    assert evaluate_rules(rules, [both_low]) == []
    # exactly at the limit counts
    at = fb("s3", aspects={"billing": -0.8}, aspect_confidence={"billing": 0.2})
    assert len(evaluate_rules(rules, [at])) == 1
    # no confidence (implied by the channel, a custom aspect, a run written before): kept,
    # and the case says why it was not filtered
    (kept,) = evaluate_rules(rules, [fb("s4", aspects={"billing": -0.8})])
    assert [r.code for r in kept.matches[0].reasons][:2] == [
        "negative_aspect", "aspect_confidence_unknown"]  # fmt: skip
    assert "no confidence for billing" in kept.matches[0].reasons[1].text("en")
    nan = fb("s5", aspects={"billing": -0.8}, aspect_confidence={"billing": float("nan")})
    assert len(evaluate_rules(rules, [nan])) == 1
    # the parameter is part of the rules' content (a change needs a new version)
    assert rules.content_hash != parse_case_config(DEFAULT_TEXT).rules.content_hash
    # without it nothing is filtered and the case has one reason, as before
    (plain,) = evaluate_rules(parse_case_config(DEFAULT_TEXT).rules, [unsure])
    assert "aspect_confidence" not in {r.code for r in plain.matches[0].reasons}
    assert "aspect_confidence_unknown" not in {r.code for r in plain.matches[0].reasons}


@pytest.mark.parametrize(
    ("value", "message"), [("1.5", "between 0 and 1"), ("sure", "number"), ("-0.1", "between")]
)
def test_min_confidence_is_checked(value: str, message: str) -> None:
    text = DEFAULT_TEXT.replace(
        "    min_severity: 0.7\n", f"    min_severity: 0.7\n    min_confidence: {value}\n"
    )
    with pytest.raises(CaseRuleError, match=message) as info:
        parse_case_config(text)
    assert info.value.field is not None and info.value.field.endswith(".min_confidence")
    # only aspect rules take it
    bad = DEFAULT_TEXT.replace("    max_score: 6\n", "    max_score: 6\n    min_confidence: 0.2\n")
    with pytest.raises(CaseRuleError, match="unknown field"):
        parse_case_config(bad)


def test_positive_comments_and_promoters_do_not_make_complaints(config) -> None:  # type: ignore[no-untyped-def]
    praise = fb("s1", text="投诉后当天就有人回访，非常满意", sentiment=0.55)
    promoter = fb("s2", score=10, text="Someone called back the same day after my complaint")
    angry = fb("s3", text="投诉了也没人跟进！", sentiment=-0.97)
    actions = evaluate_rules(config.rules, [praise, promoter, angry])
    assert [a.signal_ids for a in actions] == [("s3",)]
    # the regulator rule has no such limits: a threat to go to the regulator always counts
    threat = fb("s4", score=9, text="不解决就打12378", sentiment=0.6)
    assert [a.topic for a in evaluate_rules(config.rules, [threat])] == ["complaint"]


def test_churn_top_decile_and_failed_winback(config) -> None:  # type: ignore[no-untyped-def]
    def churn(sid: str, p: float, v: float) -> Signal:
        return Signal(
            sid, "u" + sid, SignalKind.CHURN_RISK, T0, churn_probability=p, clv_percentile=v
        )

    actions = evaluate_rules(
        config.rules, [churn("1", 0.7, 0.95), churn("2", 0.7, 0.85), churn("3", 0.5, 0.99)]
    )
    assert [a.customer_id for a in actions] == ["u1"]
    assert actions[0].topic == "retention"
    lost = Signal("w1", "u9", SignalKind.WINBACK, T0, winback_outcome=WinbackOutcome.FAILED,
                  campaign_id="wb-2025-05")  # fmt: skip
    back = Signal("w2", "u8", SignalKind.WINBACK, T0, winback_outcome=WinbackOutcome.RETURNED)
    actions = evaluate_rules(config.rules, [lost, back])
    assert [(a.customer_id, a.topic) for a in actions] == [("u9", "winback_review")]
    assert "wb-2025-05" in str(actions[0].matches[0].reasons[0])


def test_one_open_case_per_customer_and_topic(config) -> None:  # type: ignore[no-untyped-def]
    signals = [
        fb("s1", score=5, at=T0),
        fb("s2", score=1, at=T0 + dt.timedelta(hours=1)),
        fb("s3", "u2", score=4),
    ]
    actions = evaluate_rules(config.rules, signals)
    assert [(a.kind, a.customer_id, a.signal_ids) for a in actions] == [
        (ActionKind.OPEN, "u1", ("s1", "s2")),
        (ActionKind.OPEN, "u2", ("s3",)),
    ]
    open_case = OpenCase("case-7", "u1", "detractor", Priority.P4, frozenset({"s1"}))
    actions = evaluate_rules(config.rules, signals, [open_case])
    (add,) = [a for a in actions if a.customer_id == "u1"]
    assert add.kind is ActionKind.ADD and add.case_id == "case-7"
    assert add.signal_ids == ("s2",)  # s1 is already on the case
    assert add.raises_priority and add.priority is Priority.P2  # NPS 1: 0.15 + 0.15 + 0.36
    # running the rules again over the same signals adds nothing
    again = OpenCase("case-7", "u1", "detractor", Priority.P2, frozenset({"s1", "s2"}))
    assert [a.customer_id for a in evaluate_rules(config.rules, signals, [again])] == ["u2"]
    # signals of closed cases do not reopen anything
    assert evaluate_rules(config.rules, signals, handled_signals={"s1", "s2", "s3"}) == []
    # a higher-priority open case is never lowered
    high = OpenCase("case-7", "u1", "detractor", Priority.P1, frozenset({"s1"}))
    (add,) = [a for a in evaluate_rules(config.rules, signals, [high]) if a.customer_id == "u1"]
    assert add.priority is Priority.P1 and not add.raises_priority
    with pytest.raises(CaseRuleError, match="two open cases"):
        evaluate_rules(
            config.rules, signals, [open_case, OpenCase("case-8", "u1", "detractor", Priority.P2)]
        )


def test_disabled_rule_and_formula_checks() -> None:
    text = DEFAULT_TEXT.replace("    max_score: 6\n", "    max_score: 6\n    enabled: false\n")
    cfg = parse_case_config(text)
    assert evaluate_rules(cfg.rules, [fb("s1", score=1)]) == []
    with pytest.raises(ValueError, match="sum to 1"):
        PriorityFormula(0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="cut-offs"):
        PriorityFormula(p1=0.3, p2=0.5, p3=0.1)
    with pytest.raises(ValueError, match="churn_probability"):
        Signal("x", "u", SignalKind.CHURN_RISK, T0, churn_probability=1.5)


def test_minimal_config_from_mapping() -> None:
    cfg = parse_case_config(
        {
            "version": 3,
            "rules": [
                {"id": "d", "kind": "detractor", "topic": "t", "team": "a", "sla_class": "s"}
            ],
            "sla": {
                "classes": {
                    "s": {
                        p: {"first_response": "1h", "resolution": "1h30m"}
                        for p in ("P1", "P2", "P3", "P4")
                    }
                }
            },
            "calendar": {"timezone": "Europe/London", "hours": {"daily": ["08:00-20:00"]}},
        }
    )
    assert cfg.version == 3 and cfg.compensation is None
    assert cfg.sla.targets("s", Priority.P2).resolution == 5400
    assert cfg.calendar.week[6] == ((480, 1200),)
