"""Find English sentences on a page a Chinese reader looks at.

A page's visible text is read without what is data or code by design: ``<script>``,
``<style>``, ``<code>``, ``<pre>``, form fields, the customers' own words
(``class="customer-text"``, ``"verbatim"``, ``"answer"``), anything marked ``lang="en"`` (the
language switch) or ``translate="no"``. What remains must not hold four English words in a row
(separated by spaces) — a sentence or a label left untranslated; ids, codes, column lists
(``customer_id,email``), e-mails and acronyms (``ROC AUC``, ``NPS``) do not match.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["english_sentences"]

_SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "select"}
_SKIP_CLASSES = {"customer-text", "verbatim", "answer"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
_WORDS = re.compile(r"[A-Za-z][a-z']+(?:[,:;]? +[A-Za-z][a-z']+){3,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        skip = (
            tag in _SKIP_TAGS
            or bool(classes & _SKIP_CLASSES)
            or (a.get("lang") or "").startswith("en")
            or a.get("translate") == "no"
        )
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def english_sentences(html: str) -> list[str]:
    """Runs of four or more English words in the page's visible text (module docstring)."""
    body = html.split("<body", 1)[-1]
    p = _Text()
    p.feed(body)
    text = " ".join(" ".join(p.parts).split())
    return _WORDS.findall(text)
