"""Text encodings decided on evidence from the whole file, line by line.

:func:`scan_text` reads a text file once, in 1 MB blocks, and returns its SHA-256, its number of
lines and its encoding with the evidence:

1. A byte-order mark decides (UTF-8, UTF-16).
2. If every line is valid UTF-8, the file is UTF-8 (the common case; checked at C speed per
   block, no per-line work).
3. Otherwise the lines that are not UTF-8 are read in each candidate legacy encoding (GB18030
   — a superset of GBK and GB2312 —, Shift-JIS, Big5, EUC-KR, Windows-1252) and each reading is
   scored by how many of its characters are *common* in that encoding's own standard (GB2312
   level 1 hanzi, JIS X 0208 kana and level 1 kanji, Big5 frequent hanzi, KS X 1001 hangul,
   Latin letters inside words). Mojibake reads as rare characters: Shift-JIS read as GB18030
   gives GBK-only hanzi, UTF-8 Chinese read as GB18030 gives ``鐜嬭姵`` for ``王芳``. The best
   reading wins only if it is clearly ahead; otherwise the file is refused with both readings
   shown and ``--encoding`` to pass. The sample of lines scored is spread over the whole file.
4. When a file mixes encodings, the majority of its lines decides and the other lines are
   *odd lines*: each is quarantined naming its line (``line 57 is not UTF-8 like the rest of the
   file; it reads as GB18030: …``) instead of being decoded as something it is not.

:func:`transcode` writes a non-UTF-8 file as UTF-8 for the engine to read, one output line per
input line, an odd line replaced by an invalid byte sequence so that the engine rejects it at
the same line.
"""

from __future__ import annotations

import codecs
import hashlib
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from loyalloop.errors import IngestError

__all__ = ["ODD_LINE_MARKER", "OddLine", "TextScan", "describe", "scan_text", "transcode"]

BLOCK = 1 << 20
#: Written in place of an odd line by :func:`transcode`: not UTF-8, so the engine rejects it.
ODD_LINE_MARKER = b"\xff\xfe\xfd"
#: Legacy encodings considered when a file is not UTF-8, with the names people know them by.
CANDIDATES: dict[str, str] = {
    "gb18030": "GB18030/GBK",
    "cp932": "Shift-JIS",
    "cp950": "Big5",
    "cp949": "EUC-KR",
    "cp1252": "Windows-1252 (Latin-1)",
}
_SAMPLE = 600  # lines scored per reading, spread over the file
_KEEP_ODD = 10_000  # odd lines described one by one (more are still counted and rejected)
_MIN_SCORE, _MIN_LEAD = 0.6, 0.2
_NONASCII_LINE = re.compile(rb"^[^\n]*[\x80-\xff]", re.MULTILINE)


@dataclass(frozen=True)
class OddLine:
    """A line that is not in the file's encoding; ``offset`` is its byte offset in the file
    the engine reads (the original, or the transcoded copy)."""

    line: int
    offset: int
    reason: str
    text: str


@dataclass(frozen=True)
class TextScan:
    """What reading the whole file showed."""

    sha256: str
    size: int
    lines: int
    encoding: str
    evidence: str
    odd_lines: tuple[OddLine, ...] = ()
    odd_count: int = 0
    reads_as: dict[str, str] = field(default_factory=dict)
    #: Some lines of this legacy-encoded file are valid UTF-8: check each (transcode).
    check_utf8_lines: bool = False

    @property
    def is_utf8(self) -> bool:
        return self.encoding in {"utf-8", "utf-8-sig"}


def describe(encoding: str) -> str:
    """A person's name for a codec name (``cp932`` → ``Shift-JIS``)."""
    return CANDIDATES.get(encoding, encoding.upper().replace("_", "-"))


def _blocks(path: Path) -> Iterator[bytes]:
    """The file in blocks of about 1 MB that end at a line break (the last may not)."""
    carry = b""
    with path.open("rb") as fh:
        while True:
            data = fh.read(BLOCK)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            yield data[: cut + 1]
    if carry:
        yield carry


class _Reservoir:
    """A fixed-size uniform sample of a stream (seeded: the same file gives the same sample)."""

    def __init__(self, size: int) -> None:
        self.size, self.seen, self.items = size, 0, []  # type: ignore[var-annotated]
        self._rng = random.Random(0)

    def add(self, item: bytes) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            j = self._rng.randrange(self.seen)
            if j < self.size:
                self.items[j] = item


def scan_text(path: Path, encoding: str | None = None) -> TextScan:
    """Hash the file, count its lines and decide its encoding (see the module docstring).

    With ``encoding`` given, that encoding is used and lines that do not decode in it are odd.
    """
    sha = hashlib.sha256()
    size = lines = 0
    offset = 0
    first = b""
    non_utf8: list[tuple[int, int, bytes]] = []
    n_bad = n_utf8 = 0
    bad_sample, utf8_sample = _Reservoir(_SAMPLE), _Reservoir(_SAMPLE)
    for block in _blocks(path):
        sha.update(block)
        if not first:
            first = block[:4]
        if block.isascii():
            pass
        else:
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                line_no, pos = lines + 1, offset
                for raw in block.splitlines(keepends=True):
                    if not raw.isascii():
                        try:
                            raw.decode("utf-8")
                        except UnicodeDecodeError:
                            n_bad += 1
                            bad_sample.add(raw)
                            if len(non_utf8) < _KEEP_ODD:
                                non_utf8.append((line_no, pos, raw))
                        else:
                            n_utf8 += 1
                            utf8_sample.add(raw)
                    line_no += 1
                    pos += len(raw)
            else:
                for m in _NONASCII_LINE.finditer(block):
                    n_utf8 += 1
                    if utf8_sample.seen < _SAMPLE or n_utf8 % 97 == 0:
                        end = block.find(b"\n", m.end())
                        utf8_sample.add(block[m.start() : end if end >= 0 else len(block)])
        lines += block.count(b"\n")
        size += len(block)
        offset += len(block)
    if size and not _ends_with_newline(path):
        lines += 1
    digest = sha.hexdigest()
    if encoding:
        return _given(path, encoding, digest, size, lines)
    if first.startswith(codecs.BOM_UTF8):
        return TextScan(digest, size, lines, "utf-8-sig", "byte-order mark", *_utf8_odd(non_utf8))
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return TextScan(digest, size, lines, "utf-16", "byte-order mark")
    if n_bad == 0:
        evidence = "valid UTF-8 throughout" if n_utf8 else "plain ASCII"
        return TextScan(digest, size, lines, "utf-8", evidence)
    scores, readings = _score_legacy(bad_sample.items)
    best, lead = _winner(scores)
    if n_utf8 >= n_bad or (best is None and n_utf8 > 0):
        odd, count = _utf8_odd(non_utf8, best or _likeliest(scores), n_bad)
        return TextScan(
            digest,
            size,
            lines,
            "utf-8",
            f"{n_utf8:,} lines are UTF-8 and {n_bad:,} are not; those are quarantined",
            odd,
            count,
            readings,
        )
    if best is None:
        shown = "; ".join(f"as {describe(e)}: {t!r}" for e, t in readings.items())
        raise IngestError(
            "cannot tell the text encoding: the file is not UTF-8 and no reading is clearly "
            f"right ({shown or 'no candidate decodes it'}); pass --encoding (e.g. gbk, "
            "shift_jis, big5, cp1252) or put encoding: in the mapping",
            file=str(path),
        )
    evidence = (
        f"not UTF-8; read as {describe(best)} ({scores[best]:.0%} of its characters common "
        f"in {describe(best)}, next best {lead:.0%})"
    )
    check = n_utf8 > 0 and not _utf8_lines_read_as(utf8_sample.items, best)
    if check:
        evidence += f"; {n_utf8:,} lines are valid UTF-8 and are checked one by one"
    return TextScan(digest, size, lines, best, evidence, reads_as=readings, check_utf8_lines=check)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def _given(path: Path, encoding: str, digest: str, size: int, lines: int) -> TextScan:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise IngestError(f"unknown encoding {encoding!r}", file=str(path)) from None
    if name in {"utf-8", "utf-8-sig"}:
        # DuckDB reads UTF-8 itself and rejects lines that are not, naming them.
        return TextScan(digest, size, lines, name, "given")
    return TextScan(digest, size, lines, name, "given")


def _utf8_odd(
    non_utf8: list[tuple[int, int, bytes]], legacy: str | None = None, total: int = 0
) -> tuple[tuple[OddLine, ...], int]:
    odd = []
    for line, pos, raw in non_utf8:
        text = raw.decode(legacy or "utf-8", errors="backslashreplace").rstrip("\r\n")
        guess = f"; it is probably {describe(legacy)}" if legacy else ""
        odd.append(
            OddLine(
                line,
                pos,
                f"line {line} is not UTF-8 like the rest of the file{guess}; "
                "re-save the file in one encoding",
                text,
            )
        )
    return tuple(odd), max(total, len(odd))


def _likeliest(scores: dict[str, float]) -> str | None:
    """For a hint only (few lines are weak evidence): the best reading, ties going to the
    encoding listed first in :data:`CANDIDATES`."""
    ranked = sorted(scores, key=lambda e: (-scores[e], list(CANDIDATES).index(e)))
    return ranked[0] if ranked and scores[ranked[0]] >= _MIN_SCORE else None


def _winner(scores: dict[str, float]) -> tuple[str | None, float]:
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None, 0.0
    best, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top >= _MIN_SCORE and top - second >= _MIN_LEAD:
        return best, second
    return None, second


def _score_legacy(sample: list[bytes]) -> tuple[dict[str, float], dict[str, str]]:
    """Score each candidate's reading of the sampled lines; and one line as each reads it."""
    scores: dict[str, float] = {}
    readings: dict[str, str] = {}
    for enc in CANDIDATES:
        good = total = decoded = 0
        shown = ""
        for raw in sample:
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            decoded += 1
            g, t = _plausibility(text, enc)
            good, total = good + g, total + t
            if not shown:
                shown = text.strip()[:40]
        if decoded >= 0.95 * len(sample) and total:
            scores[enc] = good / total * decoded / len(sample)
            readings[enc] = shown
    return scores, readings


def _utf8_lines_read_as(sample: list[bytes], legacy: str) -> bool:
    """Whether lines that happen to be valid UTF-8 read better in the file's legacy encoding."""
    legacy_good = utf8_good = 0
    for raw in sample:
        try:
            g, _ = _plausibility(raw.decode(legacy), legacy)
        except UnicodeDecodeError:
            g = 0
        legacy_good += g
        utf8_good += _plausibility(raw.decode("utf-8"), "utf-8")[0]
    return legacy_good >= utf8_good


def _plausibility(text: str, encoding: str) -> tuple[int, int]:
    """(characters common in ``encoding``'s standard, non-ASCII characters) of ``text``."""
    good = total = 0
    n = len(text)
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        total += 1
        if encoding == "utf-8":
            ok = any(_common(ch, e) for e in CANDIDATES if e != "cp1252") or _latin(text, i, n)
        elif encoding == "cp1252":
            ok = _latin(text, i, n)
        else:
            ok = _common(ch, encoding)
        good += ok
    return good, total


#: Byte ranges of each standard's frequent characters (and its punctuation rows).
_COMMON_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "gb18030": ((0xB0A1, 0xD7F9), (0xA1A1, 0xA3FE)),  # GB2312 level 1 hanzi; symbols
    "cp932": ((0x829F, 0x82F1), (0x8340, 0x8396), (0x889F, 0x9872), (0x8140, 0x81FC)),
    "cp950": ((0xA440, 0xC67E), (0xA140, 0xA3BF)),  # Big5 frequent hanzi; symbols
    "cp949": ((0xB0A1, 0xC8FE), (0xA1A1, 0xA1FE)),  # KS X 1001 hangul; symbols
}


@lru_cache(maxsize=65_536)
def _common(ch: str, encoding: str) -> bool:
    codec = {"gb18030": "gb2312", "cp932": "shift_jis", "cp950": "big5", "cp949": "euc_kr"}
    try:
        raw = ch.encode(codec[encoding])
    except (UnicodeEncodeError, KeyError):
        return False
    if len(raw) != 2:
        return False
    code = raw[0] << 8 | raw[1]
    return any(lo <= code <= hi for lo, hi in _COMMON_RANGES[encoding])


_LATIN_PUNCT = set("€£¥°±·–—‘’“”…«»¡¿§©®™ºª")


def _latin(text: str, i: int, n: int) -> bool:
    """A Latin letter inside a word (next to an ASCII letter), or common Western punctuation."""
    ch = text[i]
    if ch in _LATIN_PUNCT or ch == "\u00a0":
        return True
    if not ("\u00c0" <= ch <= "\u024f") or not unicodedata.category(ch).startswith("L"):
        return False
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < n else ""
    return (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())


def transcode(path: Path, scan: TextScan, out: Path) -> tuple[OddLine, ...]:
    """Write ``path`` as UTF-8 to ``out``, line for line; return the odd lines.

    A line that does not decode in the file's encoding — or, in a legacy-encoded file, a line
    that is really UTF-8 — is written as :data:`ODD_LINE_MARKER` so the engine rejects it at the
    same line number.
    """
    enc = scan.encoding
    if enc == "utf-16":
        return _transcode_whole(path, enc, out)
    odd: list[OddLine] = []
    line_no, out_pos = 1, 0
    check_utf8 = scan.check_utf8_lines
    with out.open("wb") as fout:
        for block in _blocks(path):
            if line_no == 1 and block.startswith(codecs.BOM_UTF8):
                block = block[3:]
            try:
                if check_utf8 and not block.isascii():
                    raise UnicodeDecodeError(enc, b"", 0, 1, "check each line")
                data = block.decode(enc).encode("utf-8")
            except UnicodeDecodeError:
                parts = []
                for raw in block.splitlines(keepends=True):
                    reason = _odd_reason(raw, enc, check_utf8, line_no)
                    if reason is None:
                        piece = raw.decode(enc).encode("utf-8")
                    else:
                        ending = raw[len(raw.rstrip(b"\r\n")) :]
                        piece = ODD_LINE_MARKER + ending
                        if len(odd) < _KEEP_ODD:
                            text = raw.decode("utf-8", errors="backslashreplace")
                            odd.append(OddLine(line_no, out_pos, reason, text.rstrip("\r\n")))
                    parts.append(piece)
                    out_pos += len(piece)
                    line_no += 1
                fout.write(b"".join(parts))
                continue
            fout.write(data)
            out_pos += len(data)
            line_no += block.count(b"\n")
    return tuple(odd)


def _odd_reason(raw: bytes, enc: str, check_utf8: bool, line: int) -> str | None:
    utf8 = (
        f"line {line} is UTF-8 while the rest of the file is {describe(enc)}; "
        "re-save the file in one encoding"
    )
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"line {line} cannot be decoded as {describe(enc)} like the rest of the file"
        return utf8
    if check_utf8 and not raw.isascii():
        try:
            as_utf8 = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _plausibility(as_utf8, "utf-8")[0] > _plausibility(text, enc)[0]:
            return utf8
    return None


def _transcode_whole(path: Path, enc: str, out: Path) -> tuple[OddLine, ...]:
    decoder = codecs.getincrementaldecoder(enc)()
    with path.open("rb") as fin, out.open("wb") as fout:
        try:
            for block in iter(lambda: fin.read(BLOCK), b""):
                fout.write(decoder.decode(block).encode("utf-8"))
            fout.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise IngestError(f"cannot decode as {describe(enc)}: {exc}", file=str(path)) from None
    return ()
