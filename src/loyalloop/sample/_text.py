"""Compose synthetic comments from per-aspect phrase banks, recording what each one says.

A comment mentions 1–3 aspects (drawn by frequency weight, without replacement). The sentiment
of each aspect follows the author's latent satisfaction ``s``:
``x = 0.2 + 1.4 s + bias + N(0, 0.8)``, positive if ``x > 0.45``, negative if ``x < -0.45``,
neutral otherwise. Clauses are joined the way people write — a contrast word when the
sentiment flips (但是 / 不过 / but / however), an opener that fits the channel (call notes
start "客户来电反映：") and a closer that fits the overall tone.
Mixed-language comments switch language between clauses.

The random choices are drawn with numpy up front; only the string assembly is a Python loop
(about 5 µs per comment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loyalloop.sample._params import Business
from loyalloop.sample._phrases import ASPECTS, CLOSERS, INTENSIFIERS, OPENERS, PHRASES

__all__ = ["Comments", "compose_comments"]

SENTIMENTS = ("neg", "neu", "pos")
_SENTIMENT_WORD = {"neg": "negative", "neu": "neutral", "pos": "positive"}

_ZH_SAME = ("，", "，", "；", "。另外", "，而且", "。还有")
_ZH_FLIP = ("，但是", "，不过", "。可是", "；但", "，只是")
_EN_SAME = (", and ", ". ", "; ", ". Also, ", ", plus ")
_EN_FLIP = (", but ", ". However, ", "; on the other hand, ", ", though ")


@dataclass(frozen=True)
class Comments:
    """Comment texts and the long-format truth of what they were built from."""

    text: list[str]
    truth_row: npt.NDArray[np.int64]  # index of the comment
    truth_aspect: list[str]
    truth_sentiment: list[str]
    truth_language: list[str]  # language of the clause


def _pick(options: tuple[str, ...], u: float) -> str:
    return options[int(u * len(options))]


def _fill(clause: str, lang: str, sent: str, u_a: float, num: int) -> str:
    if "{a}" in clause:
        adv = _pick(INTENSIFIERS[lang][sent], u_a)
        clause = clause.replace("{a} ", f"{adv} " if adv else "").replace("{a}", adv)
    return clause.replace("{n}", str(num)) if "{n}" in clause else clause


def compose_comments(
    rng: np.random.Generator,
    business: Business,
    satisfaction: npt.NDArray[np.float64],
    channel: npt.NDArray[np.object_],
    language: npt.NDArray[np.object_],
    brand_name: npt.NDArray[np.object_],
) -> Comments:
    """Compose one comment per row.

    Parameters
    ----------
    rng
        Random generator.
    business
        Chooses the aspect set (``card``: fees, interest, limit, rewards … ;
        ``retail``: price, quality, delivery …).
    satisfaction
        Latent satisfaction of the author with the brand the comment is about.
    channel, language, brand_name
        Per row: feedback channel (picks the opener), ``zh`` / ``en`` / ``mixed``, and the
        display name of the brand (used in openers like ``#品牌#``).
    """
    n = len(satisfaction)
    table = ASPECTS[business]
    names = list(table)
    bias = np.array([table[a][0] for a in names])
    weight = np.array([table[a][1] for a in names])
    k_aspects = rng.choice(3, size=n, p=[0.5, 0.35, 0.15]) + 1
    # Weighted sampling without replacement (Gumbel top-k).
    keys = np.log(weight)[None, :] + rng.gumbel(size=(n, len(names)))
    chosen = np.argsort(-keys, axis=1)[:, :3]
    x = 0.2 + 1.4 * satisfaction[:, None] + bias[chosen] + rng.normal(0, 0.8, (n, 3))
    sent_idx = np.where(x > 0.45, 2, np.where(x < -0.45, 0, 1))
    u = rng.random((n, 3, 3))  # clause, intensifier, number
    u_join = rng.random((n, 4))
    first_lang_en = rng.random(n) < 0.5
    ranges = [table[a][2] for a in names]

    texts: list[str] = []
    t_row: list[int] = []
    t_aspect: list[str] = []
    t_sent: list[str] = []
    t_lang: list[str] = []
    for i in range(n):
        lang = language[i]
        parts: list[str] = []
        prev_sent = ""
        prev_lang = ""
        score = 0
        for j in range(int(k_aspects[i])):
            a = int(chosen[i, j])
            sent = SENTIMENTS[int(sent_idx[i, j])]
            if lang == "mixed":
                clang = "en" if (j % 2 == 0) == bool(first_lang_en[i]) else "zh"
                if k_aspects[i] == 1:
                    clang = "zh"
            else:
                clang = str(lang)
            lo, hi, step = ranges[a]
            num = lo + step * int(u[i, j, 2] * ((hi - lo) // step + 1))
            clause = _fill(
                _pick(PHRASES[names[a]][clang][sent], u[i, j, 0]), clang, sent, u[i, j, 1], num
            )
            if parts:
                flip = {prev_sent, sent} == {"pos", "neg"}
                if clang == "zh":
                    sep = _pick(_ZH_FLIP if flip else _ZH_SAME, u_join[i, j])
                    if prev_lang == "en" and sep.startswith("。"):
                        sep = ". " + sep[1:]
                else:
                    sep = _pick(_EN_FLIP if flip else _EN_SAME, u_join[i, j])
                    if prev_lang == "zh":
                        sep = "，" if not flip else "，but "
                if parts[-1].endswith(("?", "？")):
                    sep = " " if clang == "en" else ""
                if (sep.endswith(". ") or sep == " ") and clang == "en":
                    clause = clause[:1].upper() + clause[1:]
                parts.append(sep)
            parts.append(clause)
            score += {"pos": 1, "neg": -1, "neu": 0}[sent]
            prev_sent, prev_lang = sent, clang
            t_row.append(i)
            t_aspect.append(names[a])
            t_sent.append(_SENTIMENT_WORD[sent])
            t_lang.append(clang)
        body = "".join(parts)
        tone = "pos" if score > 0 else ("neg" if score < 0 else "neu")
        open_lang = "zh" if lang == "mixed" else str(lang)
        # mixed comments close in the other language (code-switching filler)
        closer_lang = ("en" if prev_lang == "zh" else "zh") if lang == "mixed" else open_lang
        end_lang = prev_lang or open_lang
        opener = _pick(OPENERS[str(channel[i])][open_lang], u_join[i, 0])
        opener = opener.replace("{brand}", str(brand_name[i]))
        closers = CLOSERS[closer_lang][tone]
        if lang == "mixed" and k_aspects[i] == 1:  # the closer is the other language
            closers = tuple(c for c in closers if c)
        closer = _pick(closers, u_join[i, 2])
        if not opener or opener.endswith((". ", ": ")):
            body = body[:1].upper() + body[1:]
        if end_lang == "en":
            stop = _pick((".", ".", "!", ""), u_join[i, 3]) if tone != "neu" else "."
            if body.endswith("?"):
                stop = ""
            body += stop or ("." if closer and not body.endswith("?") else "")
        else:
            stop = _pick(("。", "。", "！", ""), u_join[i, 3]) if tone != "neu" else "。"
            body += stop or ("。" if closer else "")
        sep_close = " " if closer and (closer_lang == "en" or end_lang == "en") else ""
        texts.append(f"{opener}{body}{sep_close}{closer}".strip())
    return Comments(
        text=texts,
        truth_row=np.asarray(t_row, dtype=np.int64),
        truth_aspect=t_aspect,
        truth_sentiment=t_sent,
        truth_language=t_lang,
    )
