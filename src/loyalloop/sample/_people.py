"""Customer records: names, contact details, demographics, consent, duplicates.

Faker is slow per row, so names come from pools built once per call (a few thousand names,
seeded from the generator's random stream) and are sampled with numpy. Contact details are
built with vectorised string operations and deliberately carry the mess real source systems
have — upper-case e-mails with stray spaces, phone numbers as ``+86 138-0013-8000`` or
``138 0013 8000``, missing values — so normalisation and de-duplication have work to do.

About 1.5 % of records are a second record of an already known person (same e-mail or phone,
possibly formatted differently; a new customer_id; consent asked again and possibly answered
differently). ``person_id`` in the truth frame says which records are the same person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from faker import Faker

from loyalloop.sample._params import Business

__all__ = ["People", "make_people"]

IntArray = npt.NDArray[np.int64]

_ZH_CITIES = (
    ("上海", 10.0, "Shanghai"), ("北京", 10.0, "Beijing"), ("深圳", 8.0, "Shenzhen"),
    ("广州", 7.0, "Guangzhou"), ("杭州", 5.5, "Hangzhou"), ("成都", 5.5, "Chengdu"),
    ("南京", 4.0, "Nanjing"), ("武汉", 4.0, "Wuhan"), ("重庆", 4.0, "Chongqing"),
    ("苏州", 3.5, "Suzhou"), ("西安", 3.0, "Xi'an"), ("天津", 3.0, "Tianjin"),
    ("长沙", 2.5, "Changsha"), ("郑州", 2.5, "Zhengzhou"), ("青岛", 2.0, "Qingdao"),
    ("宁波", 2.0, "Ningbo"), ("厦门", 1.8, "Xiamen"), ("东莞", 1.8, "Dongguan"),
    ("佛山", 1.6, "Foshan"), ("合肥", 1.5, "Hefei"), ("济南", 1.4, "Jinan"),
    ("福州", 1.3, "Fuzhou"), ("昆明", 1.2, "Kunming"), ("沈阳", 1.2, "Shenyang"),
    ("大连", 1.0, "Dalian"), ("无锡", 1.0, "Wuxi"), ("南昌", 0.8, "Nanchang"),
    ("哈尔滨", 0.8, "Harbin"), ("南宁", 0.7, "Nanning"), ("贵阳", 0.6, "Guiyang"),
)  # fmt: skip

_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157,
     158, 159, 166, 173, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191,
     198, 199]
)  # fmt: skip
_US_AREA = np.array([212, 213, 310, 312, 415, 510, 617, 646, 702, 206, 303, 512])

_ZH_DOMAINS = (
    ("163.com", 0.30), ("126.com", 0.14), ("sina.com", 0.08), ("gmail.com", 0.10),
    ("outlook.com", 0.10), ("foxmail.com", 0.08), ("hotmail.com", 0.05), ("sohu.com", 0.05),
    ("139.com", 0.05), ("yeah.net", 0.05),
)  # fmt: skip
_EN_DOMAINS = (
    ("gmail.com", 0.45), ("outlook.com", 0.2), ("yahoo.com", 0.12), ("hotmail.com", 0.1),
    ("icloud.com", 0.13),
)  # fmt: skip


@dataclass(frozen=True)
class People:
    """The customers table (without customer_id / created_at) and record-level truth."""

    frame: pd.DataFrame  # name, email, phone, birth_date, gender, city, consent_*
    person: IntArray  # person id of each record (duplicates share it)
    is_english: npt.NDArray[np.bool_]
    age_at_end: npt.NDArray[np.float64]


def _choice(rng: np.random.Generator, items: list[str] | tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(items, dtype=object)[rng.integers(0, len(items), n)]


def _weighted(rng: np.random.Generator, pairs: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    w = np.array([p[1] for p in pairs])
    idx = rng.choice(len(pairs), size=n, p=w / w.sum())
    return np.asarray([p[0] for p in pairs], dtype=object)[idx]


def _name_pools(seed: int) -> dict[str, list[str]]:
    zh = Faker("zh_CN")
    zh.seed_instance(seed)
    en = Faker("en_US")
    en.seed_instance(seed + 1)
    return {
        "zh_M": [zh.name_male() for _ in range(2500)],
        "zh_F": [zh.name_female() for _ in range(2500)],
        "en_M": [f"{en.first_name_male()} {en.last_name()}" for _ in range(600)],
        "en_F": [f"{en.first_name_female()} {en.last_name()}" for _ in range(600)],
        "roman_first": [zh.first_romanized_name().lower() for _ in range(400)],
        "roman_last": [zh.last_romanized_name().lower() for _ in range(200)],
    }


def _emails(
    rng: np.random.Generator, pools: dict[str, list[str]], names: np.ndarray, english: np.ndarray
) -> np.ndarray:
    n = len(names)
    first = _choice(rng, pools["roman_first"], n)
    last = _choice(rng, pools["roman_last"], n)
    yy = rng.integers(60, 100, n).astype(str)
    num = rng.integers(1, 1000, n).astype(str)
    style = rng.integers(0, 5, n)
    local = np.empty(n, dtype=object)
    for k, fmt in enumerate(("{f}{l}{d}", "{l}.{f}", "{f}_{l}{y}", "{i}{l}{d}", "{f}{y}")):
        m = np.flatnonzero(style == k)
        local[m] = [
            fmt.format(f=f, l=lst, d=d, y=y, i=f[0])
            for f, lst, d, y in zip(first[m], last[m], num[m], yy[m], strict=True)
        ]
    # English names: handles from the name itself.
    em = np.flatnonzero(english)
    local[em] = [
        f"{nm.split()[0].lower()}.{nm.split()[-1].lower()}" if s % 2 else nm.split()[0].lower()
        for nm, s in zip(names[em], style[em], strict=True)
    ]
    # QQ-number addresses are very common in China.
    qq = np.flatnonzero(~english & (rng.random(n) < 0.35))
    local[qq] = rng.integers(10_000, 3_000_000_000, len(qq)).astype(str)
    domain = _weighted(rng, _ZH_DOMAINS, n)
    domain[em] = _weighted(rng, _EN_DOMAINS, len(em))
    domain[qq] = "qq.com"
    return np.array([f"{a}@{d}" for a, d in zip(local, domain, strict=True)], dtype=object)


def _dedupe_emails(rng: np.random.Generator, addr: np.ndarray) -> np.ndarray:
    s = pd.Series(addr, dtype=object)
    for _ in range(20):
        dup = s.duplicated().to_numpy()
        if not dup.any():
            break
        parts = s[dup].str.split("@", n=1)
        digits = rng.integers(1, 1000, int(dup.sum())).astype(str)
        s[dup] = [f"{p[0]}{d}@{p[1]}" for p, d in zip(parts, digits, strict=True)]
    return np.array(s.to_numpy(dtype=object), dtype=object, copy=True)


def _mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct 11-digit Chinese mobile numbers as strings."""
    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    number = prefix.astype(np.int64) * 100_000_000 + rng.integers(0, 100_000_000, n)
    for _ in range(20):
        _, first = np.unique(number, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        number[dup] = _MOBILE_PREFIXES[
            rng.integers(0, len(_MOBILE_PREFIXES), int(dup.sum()))
        ] * 100_000_000 + rng.integers(0, 100_000_000, int(dup.sum()))
    return number.astype(str).astype(object)


_CN_FORMATS = (
    ("{s}", 0.80),
    ("+86 {a}-{b}-{c}", 0.06),
    ("+86{s}", 0.04),
    ("{a} {b} {c}", 0.04),
    ("86-{s}", 0.025),
    ("{a}-{b}-{c}", 0.02),
    ("(+86) {a} {b} {c}", 0.015),
)


def format_phones(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """Format 11-digit Chinese mobile numbers in the styles seen in real exports."""
    fmt = _weighted(rng, _CN_FORMATS, len(digits))
    return np.array(
        [
            s if f == "{s}" else f.format(s=s, a=s[:3], b=s[3:7], c=s[7:])
            for s, f in zip(digits, fmt, strict=True)
        ],
        dtype=object,
    )


def _us_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    area = _US_AREA[rng.integers(0, len(_US_AREA), n)]
    exch = rng.integers(201, 999, n)
    line = rng.integers(1000, 9999, n)
    return np.array(
        [f"+1 ({a}) {e}-{li}" for a, e, li in zip(area, exch, line, strict=True)], dtype=object
    )


def mess_email(rng: np.random.Generator, addr: np.ndarray, share: float) -> np.ndarray:
    """Upper-case some addresses, pad or split others with spaces."""
    out = addr.copy()
    pick = np.flatnonzero(rng.random(len(addr)) < share)
    kind = rng.integers(0, 3, len(pick))
    for i, k in zip(pick, kind, strict=True):
        v = out[i]
        if not isinstance(v, str):
            continue
        if k == 0:
            out[i] = v.upper()
        elif k == 1:
            out[i] = f" {v} "
        else:
            local, dom = v.split("@", 1)
            out[i] = f"{local[:1].upper()}{local[1:]} @{dom.capitalize()}"
    return out


def _consent(rng: np.random.Generator, n: int, yes: float, no: float) -> pd.Series:
    u = rng.random(n)
    values = pd.Series(pd.NA, index=range(n), dtype="boolean")
    values[u < yes] = True
    values[(u >= yes) & (u < yes + no)] = False
    return values


def make_people(
    rng: np.random.Generator,
    business: Business,
    original: IntArray,
    tenure_years: npt.NDArray[np.float64],
) -> People:
    """Build the person-level attributes of every customer record.

    Parameters
    ----------
    rng
        Random generator.
    business
        ``card`` or ``retail`` (age profile, e-mail and birth-date coverage).
    original
        For each record, the index of the record of the same person it duplicates, or -1.
        Originals always come before their duplicates.
    tenure_years
        Years from each record's acquisition to the end of the window (keeps cardholders 18+
        at acquisition).
    """
    n = len(original)
    pools = _name_pools(int(rng.integers(0, 2**31 - 1)))
    english = rng.random(n) < (0.04 if business == "card" else 0.06)
    gender = np.where(rng.random(n) < (0.53 if business == "card" else 0.42), "M", "F")
    names = np.empty(n, dtype=object)
    for loc_flag, loc in ((False, "zh"), (True, "en")):
        for g in ("M", "F"):
            m = np.flatnonzero((english == loc_flag) & (gender == g))
            names[m] = _choice(rng, pools[f"{loc}_{g}"], len(m))

    # Ages: most between 25 and 40, a long tail to 70+.
    if business == "card":
        core = np.clip(rng.normal(32, 6, n), 20, 60)
        broad = rng.uniform(20, 72, n)
        age = np.where(rng.random(n) < 0.75, core, broad)
    else:
        core = np.clip(rng.normal(32, 7, n), 18, 70)
        broad = rng.uniform(16, 75, n)
        age = np.where(rng.random(n) < 0.72, core, broad)
    age = np.maximum(age, 18.05 + tenure_years)

    email = _emails(rng, pools, names, english)
    email = _dedupe_emails(rng, email)
    mobile = _mobile_numbers(rng, n)
    phone = format_phones(rng, mobile)
    us = np.flatnonzero(english & (rng.random(n) < 0.3))
    phone[us] = _us_numbers(rng, len(us))

    w = np.array([c[1] for c in _ZH_CITIES])
    city_idx = rng.choice(len(_ZH_CITIES), size=n, p=w / w.sum())
    city = np.array([c[0] for c in _ZH_CITIES], dtype=object)[city_idx]
    city_en = np.array([c[2] for c in _ZH_CITIES], dtype=object)[city_idx]
    with_suffix = rng.random(n) < 0.12
    city = np.where(with_suffix, city + "市", city)
    city = np.where(english & (rng.random(n) < 0.5), city_en, city)

    # Duplicates: copy the person, vary the formatting, keep e-mail and/or phone.
    dup = np.flatnonzero(original >= 0)
    src = original[dup]
    person = np.arange(n, dtype=np.int64)
    person[dup] = src  # originals precede duplicates and are never duplicates themselves
    names[dup] = names[src]
    english[dup] = english[src]
    gender[dup] = gender[src]
    age[dup] = age[src]
    mode = rng.choice(3, size=len(dup), p=[0.4, 0.3, 0.3])  # both, e-mail only, phone only
    keep_email = mode != 2
    keep_phone = mode != 1
    email[dup[keep_email]] = email[src[keep_email]]
    phone[dup[keep_phone]] = format_phones(rng, mobile[src[keep_phone]])
    us_src = np.isin(src, us) & keep_phone
    phone[dup[us_src]] = phone[src[us_src]]
    moved = rng.random(len(dup)) < 0.3
    city[dup[~moved]] = city[src[~moved]]
    spaced = np.flatnonzero(~english[dup] & (rng.random(len(dup)) < 0.15))
    names[dup[spaced]] = [f"{v[:1]} {v[1:]}" for v in names[dup[spaced]]]
    upper = np.flatnonzero(english[dup] & (rng.random(len(dup)) < 0.4))
    names[dup[upper]] = [v.upper() for v in names[dup[upper]]]

    # Messy formatting and gaps.
    email = mess_email(rng, email, 0.05)
    email[dup[keep_email]] = mess_email(rng, email[dup[keep_email]], 0.5)
    no_email = rng.random(n) < (0.08 if business == "card" else 0.35)
    no_email[dup[keep_email]] = False
    no_email[src[keep_email]] = False  # the shared e-mail is what links the two records
    email[no_email] = None
    no_phone = rng.random(n) < (0.02 if business == "card" else 0.06)
    no_phone[dup[keep_phone]] = False
    no_phone[src[keep_phone]] = False
    phone[no_phone] = None
    email[dup[~keep_email & (rng.random(len(dup)) < 0.5)]] = None
    phone[dup[~keep_phone & (rng.random(len(dup)) < 0.5)]] = None

    gender_out = gender.astype(object)
    gender_out[rng.random(n) < 0.02] = None
    frame = pd.DataFrame(
        {
            "name": names,
            "email": email,
            "phone": phone,
            "gender": gender_out,
            "city": city,
            "consent_email": _consent(rng, n, 0.55, 0.30),
            "consent_sms": _consent(rng, n, 0.62, 0.26),
            "consent_phone": _consent(rng, n, 0.40, 0.45),
        }
    )
    return People(frame=frame, person=person, is_english=english, age_at_end=age)
