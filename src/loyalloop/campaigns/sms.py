"""SMS length in segments (3GPP TS 23.038 / 23.040).

A text whose every character is in the GSM 7-bit default alphabet is sent as GSM-7: 160
septets in one message; a longer one is split into parts of 153 septets (7 go to the
concatenation header). Characters of the extension table (``^ { } \\ [ ~ ] | €`` and form
feed) take two septets and are never split across parts. Any other character (Chinese,
emoji …) makes the whole text UCS-2: 70 UTF-16 code units in one message, parts of 67; a
character outside the Basic Multilingual Plane takes two units and is not split.

>>> sms_length("Hello").segments
1
>>> sms_length("您好" * 36).segments     # 72 characters in UCS-2: two parts of 67 + 5
2
>>> sms_length("a" * 161).segments
2
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GSM7_BASIC", "GSM7_EXTENSION", "SmsLength", "sms_length"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    """How an SMS text is encoded and how many parts it takes."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    single_limit: int  # 160 or 70
    part_limit: int  # 153 or 67


def _count_parts(sizes: list[int], single: int, part: int) -> int:
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for s in sizes:
        if used + s > part:
            parts += 1
            used = 0
        used += s
    return parts


def sms_length(text: str) -> SmsLength:
    """The encoding, length and number of parts of ``text`` (module docstring)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SmsLength("GSM-7", sum(sizes), _count_parts(sizes, 160, 153), 160, 153)
    sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsLength("UCS-2", sum(sizes), _count_parts(sizes, 70, 67), 70, 67)
