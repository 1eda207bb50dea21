"""Compose synthetic comments from phrase banks, recording what each one says.

A comment mentions 1–4 aspects (drawn by frequency weight, without replacement). The sentiment
of each aspect follows the author's latent satisfaction ``s``:
``x = 0.2 + 1.4 s + bias(aspect, time) + N(0, 0.8)``, positive if ``x > 0.45``, negative if
``x < -0.45``, neutral otherwise; the bias of the drifting aspect (:data:`~._phrases.DRIFT`)
moves over the last months of the window. A neutral aspect is stated (70 %) or asked about
(30 %); a negative one is said sarcastically 12 % of the time. A comment carries one judgement
the way people write it: a neutral process statement about the staff or the wait in a comment
that otherwise all complains (or all praises) goes on with how it ended and takes that
judgement (:func:`_stories`, its own random stream). Clauses are joined the way people
write (a contrast word when the sentiment flips, a new sentence after a question), with
context clauses that name no aspect, an opener and agent boilerplate that fit the channel, a
closer that fits the tone, and now and then a request to cancel, a description of the effort it
took (repeat contacts, transfers), a staff number or branch, contact details pasted into a note,
or a typing slip. Code-switched (``mixed``) comments alternate languages between clauses and drop
English nouns into Chinese ones.

Everything random is drawn from ``rng``; only string assembly is a Python loop (≈ 15 µs a
comment).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from loyalloop.sample._params import Business
from loyalloop.sample._phrases import (
    AGENT_BOILERPLATE,
    ASPECTS,
    BRANCHES,
    CANCEL,
    CANCEL_RETAIL,
    CLOSERS,
    EFFORT,
    FILLERS,
    FOLLOW_UP,
    INTENSIFIERS,
    MIXED_SUBJECTS,
    NAMES,
    OPENERS,
    PHRASES,
    PII,
    PROCESS,
    SLOTS,
    STAFF,
    SUBJECTS,
    SURNAMES,
    TYPOS,
)

__all__ = ["Comments", "compose_comments"]

SENTIMENTS = ("neg", "neu", "pos")
_WORD = {"neg": "negative", "neu": "neutral", "pos": "positive"}
_ZH_SAME = ("，", "，", "；", "。另外", "，而且", "。还有")
_ZH_FLIP = ("，但是", "，不过", "。可是", "，只是")
_EN_SAME = (", and ", ". ", "; ", ". Also, ")
_EN_FLIP = (", but ", ". However, ", ", though ")
#: The aspects about the staff (card, retail): a transfer between departments goes with them.
_STAFF = ("service_attitude", "staff")


@dataclass(frozen=True)
class Comments:
    """Comment texts, the long truth of their aspects and the per-comment truth."""

    text: list[str]
    truth_row: npt.NDArray[np.int64]  # index of the comment
    truth_aspect: list[str]
    truth_sentiment: list[str]
    truth_language: list[str]  # language of the clause
    #: Per comment: main intent, effort flags, personal data pasted in, staff and branch named.
    intent: list[str] = field(default_factory=list)
    repeat_contact: list[bool] = field(default_factory=list)
    transferred: list[bool] = field(default_factory=list)
    pii: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    branch: list[str] = field(default_factory=list)
    #: Per comment: Σ driver weight × (+1 positive, −1 negative) over its aspects.
    driver_effect: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def _pick(options: tuple[str, ...], u: float) -> str:
    return options[min(int(u * len(options)), len(options) - 1)]


def _slot(name: str, u: float) -> str:
    lo, hi, step = SLOTS[name]
    return str(lo + step * int(u * ((hi - lo) // step + 1)))


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        token = "{" + key + "}"
        if token in template:
            template = template.replace(token, value)
    return template


def _card_number(r: np.random.Generator) -> str:
    digits = [6, 2, 2, 2, *r.integers(0, 10, 11).tolist()]
    total = 0
    for i, d in enumerate(reversed(digits)):  # Luhn check digit
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 == 0 else d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return " ".join(s[i : i + 4] for i in range(0, 16, 4))


def _pii_values(r: np.random.Generator) -> dict[str, str]:
    phone = "1" + str(r.integers(3, 10)) + "".join(map(str, r.integers(0, 10, 9)))
    birth = f"19{r.integers(60, 100)}{r.integers(1, 13):02d}{r.integers(1, 29):02d}"
    return {
        "phone": phone,
        "card": _card_number(r),
        "id": f"{r.integers(110000, 660000)}{birth}{r.integers(100, 1000)}{r.integers(0, 10)}",
        "email": f"user{r.integers(100, 9999)}@example.com",
    }


def _stories(
    business: Business,
    names: list[str],
    chosen: npt.NDArray[np.int64],
    sent_idx: npt.NDArray[np.int64],
    k: int,
    lang: str,
    first_en: bool,
    u: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
) -> dict[int, tuple[str, str]]:
    """Which neutral process statements of one comment are part of its grievance (or praise).

    A clause drawn neutral and stated (not asked) with a :data:`~._phrases.PROCESS` template, in
    a comment whose other judgements all agree, goes on with how it ended
    (:data:`~._phrases.FOLLOW_UP`): 90 % of the time in a complaint, 60 % in praise. Returns
    ``{clause: (follow-up text, judgement)}``; the truth of those clauses is the judgement.
    """
    judged = {SENTIMENTS[int(sent_idx[j])] for j in range(k)} - {"neu"}
    if len(judged) != 1:
        return {}
    judgement = judged.pop()
    out: dict[int, tuple[str, str]] = {}
    for j in range(k):
        if sent_idx[j] != 1 or u[j, 4] < 0.3:  # judged, or asked about
            continue
        a = names[int(chosen[j])]
        bank_key = f"{a}_retail" if f"{a}_retail" in PHRASES and business == "retail" else a
        clang = lang
        if lang == "mixed":
            clang = "en" if (j % 2 == 0) == first_en and k > 1 else "zh"
        code = "zh" if clang == "zh" else "en"
        template = _pick(PHRASES[bank_key][code]["neu"], u[j, 0])
        if template not in PROCESS.get(bank_key, {}).get(code, ()):
            continue
        if w[j, 0] >= (0.9 if judgement == "neg" else 0.6):
            continue
        kind = "wait" if a == "waiting_time" else "staff"
        out[j] = (_pick(FOLLOW_UP[kind][judgement][code], w[j, 1]), judgement)
    return out


def compose_comments(
    rng: np.random.Generator,
    business: Business,
    satisfaction: npt.NDArray[np.float64],
    channel: npt.NDArray[np.object_],
    language: npt.NDArray[np.object_],
    brand_name: npt.NDArray[np.object_],
    drift: npt.NDArray[np.float64] | None = None,
    drift_aspect: str | None = None,
    *,
    text_rng: np.random.Generator,
) -> Comments:
    """Compose one comment per row (see the module docs).

    Parameters
    ----------
    satisfaction
        Latent satisfaction of the author with the brand the comment is about.
    channel, language, brand_name
        Per row: channel (opener, boilerplate, pasted contact details), ``zh`` / ``en`` /
        ``mixed``, and the display name of the brand.
    drift, drift_aspect
        Per row: the bias added to ``drift_aspect`` at the time of the comment.
    text_rng
        A stream of its own for how process statements go on (:func:`_stories`), so the
        draws from ``rng`` (and every other sample table) are those of before it existed.
    """
    n = len(satisfaction)
    table = ASPECTS[business]
    names = list(table)
    bias = np.array([table[a][0] for a in names])
    weight = np.array([table[a][1] for a in names])
    driver = np.array([table[a][2] for a in names])
    k_aspects = rng.choice(4, size=n, p=[0.32, 0.36, 0.22, 0.10]) + 1
    keys = np.log(weight)[None, :] + rng.gumbel(size=(n, len(names)))
    chosen = np.argsort(-keys, axis=1)[:, :4]
    b = bias[chosen]
    if drift is not None and drift_aspect in names:
        b = b + np.where(chosen == names.index(drift_aspect), drift[:, None], 0.0)
    x = 0.2 + 1.4 * satisfaction[:, None] + b + rng.normal(0, 0.8, (n, 4))
    sent_idx = np.where(x > 0.45, 2, np.where(x < -0.45, 0, 1))
    u = rng.random((n, 4, 6))  # per clause: template, subject, intensifier, slots, form, mixing
    v = rng.random((n, 12))  # per comment: opener, closer, filler, cancel, effort, pii, ...
    w = text_rng.random((n, 4, 2))  # per clause: whether a process statement goes on, how

    out = Comments([], np.zeros(0, np.int64), [], [], [])
    t_row: list[int] = []
    final_idx = sent_idx.copy()
    for i in range(n):
        lang = str(language[i])
        k = int(k_aspects[i])
        first_en = v[i, 11] < 0.5
        stories = _stories(business, names, chosen[i], sent_idx[i], k, lang, first_en, u[i], w[i])
        for j, (_, judgement) in stories.items():
            final_idx[i, j] = SENTIMENTS.index(judgement)
        parts: list[str] = []
        prev_sent = ""
        prev_lang = ""
        asked = sarcastic = False
        score = 0
        repeat = transferred = False
        staff = branch = ""
        for j in range(k):
            a = names[int(chosen[i, j])]
            bank_key = f"{a}_retail" if f"{a}_retail" in PHRASES and business == "retail" else a
            sent = SENTIMENTS[int(final_idx[i, j])]
            clang = lang
            if lang == "mixed":
                clang = "en" if (j % 2 == 0) == first_en and k > 1 else "zh"
            bank = PHRASES[bank_key]["zh" if clang == "zh" else "en"]
            form = "neu" if j in stories else sent
            if form == "neu" and u[i, j, 4] < 0.3:
                form = "ask"
            elif form == "neg" and u[i, j, 4] < 0.12:
                form = "sarcasm"
            subjects = SUBJECTS[bank_key][clang]
            subject = _pick(subjects, u[i, j, 1])
            if lang == "mixed" and clang == "zh" and u[i, j, 5] < 0.5 and a in MIXED_SUBJECTS:
                subject = _pick(MIXED_SUBJECTS[a], u[i, j, 5] * 2)
            if a == "service_attitude" and u[i, j, 5] > 0.8 and business == "card":
                r = np.random.default_rng(int(u[i, j, 3] * 1e9))
                tmpl = _pick(STAFF[clang], u[i, j, 5])
                staff_id = str(r.integers(1000, 99999))
                staff_name = _pick(SURNAMES if clang == "zh" else NAMES, u[i, j, 2])
                subject = _fill(
                    tmpl, {"staff": staff_id, "surname": staff_name, "name": staff_name}
                )
                staff = (
                    staff_id
                    if "{staff}" in tmpl
                    else (f"{staff_name}经理" if clang == "zh" else staff_name)
                )
            template = _pick(bank[form], u[i, j, 0])
            if j in stories:
                template += stories[j][0]
            values = {
                "s": subject,
                "a": _pick(INTENSIFIERS[clang]["pos" if sent == "pos" else "neg"], u[i, j, 2])
                if form in ("pos", "neg")
                else "",
            }
            for slot in SLOTS:
                if "{" + slot + "}" in template:
                    values[slot] = _slot(slot, (u[i, j, 3] * (1 + len(slot))) % 1.0)
            clause = _fill(template, values).replace("  ", " ")
            if clang == "zh":
                clause = clause.replace("{a}", "")
            if a in ("service_attitude", "waiting_time") and business == "card" and v[i, 9] < 0.12:
                branch = _pick(BRANCHES, v[i, 10])
                clause = (f"在{branch}，" if clang == "zh" else f"at the {branch}, ") + clause
            if form == "ask":
                asked = True
            if form == "sarcasm":
                sarcastic = True
            if parts:
                flip = {prev_sent, sent} == {"pos", "neg"}
                if parts[-1].endswith(("?", "？")):
                    sep = "" if clang == "zh" else " "
                elif clang == "zh":
                    sep = _pick(_ZH_FLIP if flip else _ZH_SAME, u[i, j, 4])
                    if prev_lang == "en" and sep.startswith("。"):
                        sep = ". " + sep[1:]
                else:
                    sep = _pick(_EN_FLIP if flip else _EN_SAME, u[i, j, 4])
                    if prev_lang == "zh":
                        sep = "，" if not flip else "，but "
                if clang == "en" and (sep.endswith(". ") or sep == " "):
                    clause = clause[:1].upper() + clause[1:]
                parts.append(sep)
            if a in ("waiting_time", *_STAFF) and sent == "neg" and v[i, 4] < 0.35:
                # being passed between departments is a complaint about the staff (a labeller
                # tags it so), so it goes with a staff clause, a repeat call with a wait
                transfer = v[i, 4] >= 0.2 and a in _STAFF
                kind = "transferred" if transfer else "repeat_contact"
                effort = _pick(EFFORT[kind][clang], v[i, 5]).replace(
                    "{times}", _slot("times", v[i, 6])
                )
                repeat = repeat or kind == "repeat_contact"
                transferred = transferred or kind == "transferred"
                clause = effort + ("，" if clang == "zh" else ", ") + clause
            if form == "ask":
                clause = (
                    clause
                    if clause.endswith(("?", "？"))
                    else clause + ("？" if clang == "zh" else "?")
                )
            parts.append(clause)
            score += {"pos": 1, "neg": -1, "neu": 0}[sent]
            prev_sent, prev_lang = sent, clang
            t_row.append(i)
            out.truth_aspect.append(a)
            out.truth_sentiment.append(_WORD[sent])
            out.truth_language.append(clang)
            if "{" in clause:  # pragma: no cover - a phrase bank slot without a value
                raise ValueError(f"unfilled slot in sample phrase {template!r}")
        body = "".join(parts)
        open_lang = "zh" if lang == "mixed" else lang
        if v[i, 2] < 0.35:  # context that names no aspect
            filler = _pick(FILLERS[open_lang], v[i, 3])
            body = filler + ("，" if open_lang == "zh" else ", ") + body[:1].lower() + body[1:]
        tone = "pos" if score > 0 else ("neg" if score < 0 else "neu")
        end_lang = prev_lang or open_lang
        if not body.endswith(("?", "？")):
            body += "。" if end_lang == "zh" else "."
        extra: list[str] = []
        cancel = tone == "neg" and v[i, 7] < 0.08
        if cancel:
            options = CANCEL if business == "card" else CANCEL_RETAIL
            extra.append(_pick(options[open_lang], v[i, 8]) + ("。" if open_lang == "zh" else "."))
        pii_kind = ""
        ch = str(channel[i])
        if ch in ("call", "chat", "email") and v[i, 5] < 0.18:
            r = np.random.default_rng(int(v[i, 6] * 1e9))
            template, pii_kind = PII[open_lang][int(v[i, 8] * len(PII[open_lang]))]
            extra.append(_fill(template, _pii_values(r)) + ("。" if open_lang == "zh" else "."))
        closer = _pick(CLOSERS[open_lang][tone], v[i, 1])
        if closer:
            extra.append(closer)
        if ch in ("call", "chat") and v[i, 9] > 0.7:
            extra.append(_pick(AGENT_BOILERPLATE[open_lang], v[i, 10]))
        opener = _pick(OPENERS[ch][open_lang], v[i, 0]).replace("{brand}", str(brand_name[i]))
        if not opener or opener.endswith((". ", ": ", "- ")):
            body = body[:1].upper() + body[1:]
        joiner = " " if open_lang == "en" else ""
        text = (opener + body + "".join(joiner + e for e in extra)).strip()
        if v[i, 11] < 0.06:  # a typing slip
            for right, slip in TYPOS[open_lang]:
                if right in text:
                    text = text.replace(right, slip, 1)
                    break
        out.text.append(text)
        if cancel:
            intent = "cancel"
        elif score < 0 or sarcastic or (final_idx[i, :k] == 0).any():
            intent = "complaint"
        elif asked:
            intent = "question"
        elif score > 0:
            intent = "praise"
        else:
            intent = "none"
        out.intent.append(intent)
        out.repeat_contact.append(repeat)
        out.transferred.append(transferred)
        out.pii.append(pii_kind)
        out.staff.append(staff)
        out.branch.append(branch)
    signs = np.array([-1.0, 0.0, 1.0])[final_idx]
    effect = (signs * driver[chosen] * (np.arange(4)[None, :] < k_aspects[:, None])).sum(axis=1)
    return Comments(
        text=out.text,
        truth_row=np.asarray(t_row, dtype=np.int64),
        truth_aspect=out.truth_aspect,
        truth_sentiment=out.truth_sentiment,
        truth_language=out.truth_language,
        intent=out.intent,
        repeat_contact=out.repeat_contact,
        transferred=out.transferred,
        pii=out.pii,
        staff=out.staff,
        branch=out.branch,
        driver_effect=effect,
    )
