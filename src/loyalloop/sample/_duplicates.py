"""Addresses, realistic duplicate records and look-alike households, with their truth.

:mod:`loyalloop.sample._people` makes about 1.5 % of records a second record of an already known
person (same name, e-mail and/or phone). Real source systems are messier; this module turns
those second records into what a bank's branch, app and call centre actually produce, and adds
the cases that fool exact matching the other way:

* **Names** — kept; written in pinyin (``王芳`` → ``Wang Fang``, ``WANG FANG``,
  ``Wang Xiao Ming``); in Western order (``Fang Wang``); a homophone typed through a pinyin
  input method (``王芳`` → ``王方``); a one-letter or one-character typo.
* **Phones** — the shared number mistyped (one digit, or two neighbours swapped), replaced by a
  new number, or left out (on top of ``_people``'s e-mail-only records).
* **E-mails** — the same user name at another provider, Gmail dots and ``+tags``, a typo.
* **Addresses** — the same address written differently (city prefix, full-width digits,
  ``幢``/``栋``, spaces), or a new address after a move (always when ``_people`` moved the city).
* **Birth dates** — kept, missing, or mistyped (one digit, or day and month swapped).
* **Households** (about 0.5 % of records, different people): a family member of another
  customer with the same surname, the same address and often the same phone, and their own
  given name and birth date. Exact-key matching merges those sharing a phone; they are not one
  person.

The truth (``customers_truth``) gains ``duplicate_variation`` (what was changed in a second
record, ``;``-separated, e.g. ``name:pinyin;phone:new;address:moved``) and ``household_of``
(the customer a household member lives with). ``person_id`` stays the one truth of identity.
All randomness comes from the generator's own stream for this step, so the other truths (the
purchase process, feedback, campaign responses) are unchanged by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["HOUSEHOLD_SHARE", "PlantedIdentity", "make_addresses", "plant_identity_variations"]

#: Share of records that are a household member of another (different) customer.
HOUSEHOLD_SHARE = 0.005

_DISTRICTS = (
    "浦东新区", "朝阳区", "海淀区", "南山区", "福田区", "天河区", "越秀区", "西湖区", "武侯区",
    "鼓楼区", "江汉区", "渝中区", "姑苏区", "雁塔区", "和平区", "岳麓区", "金水区", "市南区",
    "鄞州区", "思明区", "南城区", "禅城区", "蜀山区", "历下区", "台江区", "五华区", "和平区",
    "中山区", "梁溪区", "东湖区", "南岗区", "青秀区", "云岩区", "高新区", "经开区", "滨江区",
)  # fmt: skip
_ROADS = (
    "人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "长江路", "黄河路", "南京路",
    "北京路", "文化路", "胜利路", "青年路", "光明路", "学院路", "科技路", "花园路", "滨河路",
    "东风路", "朝阳路", "幸福路", "振兴路", "团结路", "友谊路", "延安路", "淮海路", "张杨路",
    "世纪大道", "湖滨路", "望江路", "新城大道", "金沙路", "天府大道", "人民大道", "体育路",
)  # fmt: skip
_EN_STREETS = (
    "Main Street", "Park Avenue", "Oak Road", "Maple Street", "Lake Road", "Hill Street",
    "River Road", "Garden Avenue", "Church Street", "Station Road", "Century Avenue",
)  # fmt: skip
_EMAIL_PROVIDERS = ("163.com", "126.com", "qq.com", "gmail.com", "outlook.com", "sina.com")


@dataclass(frozen=True)
class PlantedIdentity:
    """The customers frame with addresses and the varied records, and the new truth columns."""

    customers: pd.DataFrame
    duplicate_variation: npt.NDArray[np.object_]
    household_of: npt.NDArray[np.object_]


def make_addresses(
    rng: np.random.Generator, city: npt.NDArray[np.object_], english: npt.NDArray[np.bool_]
) -> npt.NDArray[np.object_]:
    """A street address per record (``浦东新区张杨路88号5栋2单元301室``; English-speaking
    customers partly ``Apt 301, 88 Main Street``); about 6 % missing."""
    n = len(city)
    district = np.asarray(_DISTRICTS, dtype=object)[rng.integers(0, len(_DISTRICTS), n)]
    road = np.asarray(_ROADS, dtype=object)[rng.integers(0, len(_ROADS), n)]
    number = rng.integers(1, 1500, n)
    building = rng.integers(1, 30, n)
    unit = rng.integers(1, 6, n)
    room = rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)
    out = np.array(
        [
            f"{d}{r}{no}号{b}栋{u}单元{rm}室"
            for d, r, no, b, u, rm in zip(district, road, number, building, unit, room, strict=True)
        ],
        dtype=object,
    )
    en = np.flatnonzero(english & (rng.random(n) < 0.6))
    street = np.asarray(_EN_STREETS, dtype=object)[rng.integers(0, len(_EN_STREETS), len(en))]
    out[en] = [
        f"Apt {rm}, {no} {s}" for rm, no, s in zip(room[en], number[en], street, strict=True)
    ]
    with_city = np.flatnonzero(rng.random(n) < 0.25)
    out[with_city] = [f"{c}{a}" for c, a in zip(city[with_city], out[with_city], strict=True)]
    out[rng.random(n) < 0.06] = None
    return out


@cache
def _homophones() -> dict[str, tuple[str, ...]]:
    """Name characters → other name characters read the same (a pinyin IME's wrong pick)."""
    from faker.providers.person.zh_CN import Provider
    from pypinyin import lazy_pinyin

    chars = sorted(
        {ch for name in Provider.first_names for ch in name}
        | {ch for name in Provider.last_names for ch in name}
    )
    by_sound: dict[str, list[str]] = {}
    for ch in chars:
        by_sound.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    return {
        ch: tuple(o for o in by_sound[lazy_pinyin(ch)[0]] if o != ch)
        for ch in chars
        if len(by_sound[lazy_pinyin(ch)[0]]) > 1
    }


def _romanised(name: str) -> tuple[str, str]:
    """(surname, given name) of a Han name in pinyin, capitalised (``Wang``, ``Xiaoming``)."""
    from pypinyin import lazy_pinyin

    from loyalloop.data.identity.names import SURNAME_READINGS

    surname = SURNAME_READINGS.get(name[0]) or lazy_pinyin(name[0])[0]
    given = "".join(lazy_pinyin(name[1:]))
    return surname.replace("v", "u").capitalize(), given.replace("v", "u").capitalize()


def _is_han(name: str) -> bool:
    return bool(name) and all("\u4e00" <= ch <= "\u9fff" for ch in name)


def _vary_name(rng: np.random.Generator, name: str) -> tuple[str, str]:
    """A second record's way of writing ``name``, and what was done."""
    compact = name.replace(" ", "")
    u = rng.random()
    if _is_han(compact) and len(compact) >= 2:
        surname, given = _romanised(compact)
        if u < 0.22:
            style = rng.integers(0, 4)
            if style == 0:
                return f"{surname} {given}", "name:pinyin"
            if style == 1:
                return f"{surname} {given}".upper(), "name:pinyin"
            if style == 2:
                from pypinyin import lazy_pinyin

                parts = " ".join(p.capitalize() for p in lazy_pinyin(compact[1:]))
                return f"{surname} {parts}", "name:pinyin"
            return f"{surname.upper()} {given}", "name:pinyin"
        if u < 0.32:
            return f"{given} {surname}", "name:pinyin_western_order"
        if u < 0.47:
            homo = _homophones()
            spots = [k for k, ch in enumerate(compact) if ch in homo]
            if spots:
                k = spots[int(rng.integers(0, len(spots)))]
                alt = homo[compact[k]]
                ch = alt[int(rng.integers(0, len(alt)))]
                return compact[:k] + ch + compact[k + 1 :], "name:homophone"
        if u < 0.55:
            from faker.providers.person.zh_CN import Provider

            pool = "".join(Provider.first_names)
            k = int(rng.integers(1, len(compact)))
            ch = pool[int(rng.integers(0, len(pool)))]
            if ch != compact[k]:
                return compact[:k] + ch + compact[k + 1 :], "name:typo"
        return name, "name:same"
    words = name.split()
    if u < 0.2 and len(words) >= 2:
        return " ".join([words[-1], *words[:-1]]), "name:swapped"
    if u < 0.4 and len(compact) >= 4:
        letters = list(name)
        spots = [k for k in range(1, len(letters) - 1) if letters[k].isalpha()]
        k = spots[int(rng.integers(0, len(spots)))]
        if letters[k + 1].isalpha() and rng.random() < 0.5:
            letters[k], letters[k + 1] = letters[k + 1], letters[k]
        else:
            letters[k] = "aeiou"[int(rng.integers(0, 5))]
        return "".join(letters), "name:typo"
    return name, "name:same"


def _mistype_digits(rng: np.random.Generator, digits: str) -> str:
    k = int(rng.integers(3, len(digits) - 1))
    if rng.random() < 0.5 and digits[k] != digits[k + 1]:
        return digits[:k] + digits[k + 1] + digits[k] + digits[k + 2 :]
    d = str((int(digits[k]) + int(rng.integers(1, 10))) % 10)
    return digits[:k] + d + digits[k + 1 :]


def _reformat_address(rng: np.random.Generator, address: str, city: str | None) -> str:
    out = address
    kind = rng.integers(0, 4)
    if kind == 0 and city and not out.startswith(city):
        out = f"{city}{out}"
    elif kind == 1:
        out = out.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    elif kind == 2:
        out = out.replace("栋", "幢").replace("号", "號")
    else:
        out = out.replace("号", "号 ").replace("单元", " 单元")
    return out


def plant_identity_variations(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    original: npt.NDArray[np.int64],
    english: npt.NDArray[np.bool_],
) -> PlantedIdentity:
    """Add addresses, vary the second records of a person, and plant look-alike households.

    Parameters
    ----------
    rng
        This step's random stream.
    customers
        The customers frame from the generator (contract columns without ``address``); the
        duplicates in it are exact copies as :mod:`loyalloop.sample._people` made them.
    original
        For each record, the index of the record it duplicates, or -1.
    english
        Whether each record's person has an English name.

    Returns
    -------
    PlantedIdentity
    """
    n = len(customers)
    c = customers.copy()
    name = c["name"].to_numpy(dtype=object).copy()
    email = c["email"].to_numpy(dtype=object).copy()
    phone = c["phone"].to_numpy(dtype=object).copy()
    city = c["city"].to_numpy(dtype=object)
    birth = c["birth_date"].to_numpy(dtype="datetime64[ns]").copy()
    address = make_addresses(rng, city, english)
    variation = np.full(n, None, dtype=object)
    household_of = np.full(n, None, dtype=object)
    cid = c["customer_id"].to_numpy(dtype=object)
    taken = {e.strip().lower() for e in email if isinstance(e, str)}

    for i in np.flatnonzero(original >= 0):
        src = int(original[i])
        notes: list[str] = []
        if isinstance(name[i], str):
            name[i], note = _vary_name(rng, name[i])
            notes.append(note)
        # phone: _people kept it (possibly reformatted) or gave a new one
        same_phone = isinstance(phone[i], str) and isinstance(phone[src], str)
        same_phone = same_phone and _digits(phone[i])[-11:] == _digits(phone[src])[-11:]
        if same_phone:
            u = rng.random()
            if u < 0.12:
                phone[i] = _mistype_digits(rng, _digits(phone[src])[-11:])
                notes.append("phone:typo")
            elif u < 0.27:
                phone[i] = None
                notes.append("phone:missing")
            else:
                notes.append("phone:same")
        else:
            notes.append("phone:new" if isinstance(phone[i], str) else "phone:missing")
        same_email = isinstance(email[i], str) and isinstance(email[src], str)
        same_email = same_email and email[i].strip().lower() == email[src].strip().lower()
        if same_email:
            user, _, domain = email[src].strip().lower().partition("@")
            u = rng.random()
            others = [p for p in _EMAIL_PROVIDERS if p != domain and f"{user}@{p}" not in taken]
            if u < 0.2 and others:
                email[i] = f"{user}@{others[int(rng.integers(0, len(others)))]}"
                taken.add(email[i])
                notes.append("email:other_provider")
            elif u < 0.28 and len(user) >= 4 and not user.isdigit():
                k = int(rng.integers(1, len(user) - 1))
                email[i] = f"{user[:k]}.{user[k:]}+shop@{domain}"
                notes.append("email:dots_tag")
            elif u < 0.36 and len(user) >= 5:
                typo = f"{_mistype_user(rng, user)}@{domain}"
                if typo in taken:
                    notes.append("email:same")
                else:
                    email[i] = typo
                    taken.add(typo)
                    notes.append("email:typo")
            else:
                notes.append("email:same")
        else:
            notes.append("email:new" if isinstance(email[i], str) else "email:missing")
        moved_city = city[i] != city[src]
        if isinstance(address[src], str) and not moved_city and rng.random() < 0.8:
            if rng.random() < 0.4:
                address[i] = _reformat_address(rng, address[src], city[i])
                notes.append("address:reformatted")
            else:
                address[i] = address[src]
                notes.append("address:same")
        else:
            notes.append("address:moved" if isinstance(address[i], str) else "address:missing")
        if not pd.isna(birth[src]):
            u = rng.random()
            if u < 0.05:
                birth[i] = np.datetime64("NaT")
                notes.append("birth_date:missing")
            elif u < 0.11:
                birth[i] = _mistype_date(rng, birth[src])
                notes.append("birth_date:typo")
            else:
                notes.append("birth_date:same")
        variation[i] = ";".join(notes)

    # households: a family member of an earlier single-record customer
    single = np.flatnonzero(original < 0)
    has_dup = np.zeros(n, dtype=bool)
    has_dup[original[original >= 0]] = True
    candidates = single[~has_dup[single] & (single > 0)]
    k = min(round(HOUSEHOLD_SHARE * n), len(candidates) // 2)
    if k:
        members = np.sort(rng.choice(candidates, size=k, replace=False))
        for m in members:
            head = int(rng.integers(0, m))
            if original[head] >= 0 or head in members:
                continue
            if not (isinstance(name[m], str) and isinstance(name[head], str)):
                continue
            if _is_han(name[m].replace(" ", "")) and _is_han(name[head].replace(" ", "")):
                name[m] = name[head][0] + name[m].replace(" ", "")[1:]
            elif len(name[head].split()) >= 2 and len(name[m].split()) >= 2:
                name[m] = f"{name[m].split()[0]} {name[head].split()[-1]}"
            address[m] = address[head]
            c.loc[c.index[m], "city"] = city[head]
            if rng.random() < 0.6 and isinstance(phone[head], str):
                phone[m] = phone[head]
            if not pd.isna(birth[head]) and birth[m] == birth[head]:
                birth[m] = birth[head] - np.timedelta64(int(rng.integers(700, 9000)), "D")
            household_of[m] = cid[head]

    c["name"] = name
    c["email"] = email
    c["phone"] = phone
    c["birth_date"] = birth
    c.insert(list(c.columns).index("city") + 1, "address", address)
    return PlantedIdentity(customers=c, duplicate_variation=variation, household_of=household_of)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _mistype_user(rng: np.random.Generator, user: str) -> str:
    k = int(rng.integers(1, len(user) - 1))
    if user[k] != user[k + 1]:
        return user[:k] + user[k + 1] + user[k] + user[k + 2 :]
    return user[:k] + user[k + 1 :]


def _mistype_date(rng: np.random.Generator, value: np.datetime64) -> np.datetime64:
    """One digit of ``YYYYMMDD`` changed, or day and month swapped; only to an earlier date
    (so a cardholder stays an adult)."""
    d = pd.Timestamp(value)
    if d.day <= 12 and d.day < d.month and rng.random() < 0.5:
        return d.replace(month=d.day, day=d.month).to_datetime64()
    text = d.strftime("%Y%m%d")
    for _ in range(20):
        k = int(rng.integers(3, 8))
        cand = text[:k] + str(int(rng.integers(0, 10))) + text[k + 1 :]
        if cand >= text:
            continue
        try:
            return pd.Timestamp(cand).to_datetime64()
        except ValueError:
            continue
    return value
