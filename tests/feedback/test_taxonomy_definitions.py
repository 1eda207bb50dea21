"""Aspect definitions: every shipped aspect says what it covers, in English and Chinese, the
same aspects as the labelling guide (docs/feedback_labelling_guide.md); a user's taxonomy may
leave them out, but a definition given needs both languages (errors name file and aspect)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loyalloop.errors import ConfigError
from loyalloop.feedback import load_taxonomy

GUIDE = Path(__file__).parents[2] / "docs" / "feedback_labelling_guide.md"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _guide_aspects() -> dict[str, set[str]]:
    """Aspect keys of each table of the guide, by section (``banking``, ``retail``)."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0].lower()
        m = re.match(r"^\| `([a-z_]+)` \|", line)
        if m:
            out.setdefault(section, set()).add(m.group(1))
    return out


@pytest.mark.parametrize("name", ["banking", "retail"])
def test_the_guide_and_the_yaml_define_the_same_aspects(name: str) -> None:
    tax = load_taxonomy(name)
    assert set(tax.keys) == _guide_aspects()[name]
    for a in tax.aspects:
        assert a.definition_en and not _CJK.search(a.definition_en), a.key
        assert _CJK.search(a.definition_zh), a.key
        assert tax.definition(a.key, "zh") == a.definition_zh
        assert tax.definition(a.key, "en") == a.definition_en


def test_default_taxonomy_keeps_every_definition() -> None:
    tax = load_taxonomy("default")
    assert all(a.definition_en and a.definition_zh for a in tax.aspects)


def _spec(**definition: object) -> dict[str, object]:
    body: dict[str, object] = {"label": {"en": "Parking", "zh": "停车"}, "zh": ["停车"]}
    if definition:
        body["definition"] = definition.get("value")
    return {"name": "mall", "aspects": {"parking": body}}


def test_user_taxonomy_without_definitions_loads_with_empty_definitions() -> None:
    tax = load_taxonomy(_spec())
    assert tax.definition("parking", "en") == ""
    assert tax.definition("parking", "zh") == ""
    assert tax.label("parking", "zh") == "停车"


def test_user_definition_is_read_with_whitespace_collapsed() -> None:
    tax = load_taxonomy(_spec(value={"en": "Parking  at the\nmall.", "zh": "商场停车。"}))
    assert tax.definition("parking") == "Parking at the mall."
    assert tax.definition("parking", "zh") == "商场停车。"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"en": "Parking at the mall."}, "aspect 'parking': definition needs a non-empty 'zh'"),
        ({"zh": "商场停车。", "en": "  "}, "aspect 'parking': definition needs a non-empty 'en'"),
        ("Parking", "aspect 'parking': definition must be a mapping"),
        ({"en": "x", "zh": "y", "fr": "z"}, r"definition has unknown languages \['fr'\]"),
    ],
)
def test_incomplete_definition_is_refused_naming_the_aspect(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_taxonomy(_spec(value=value))


def test_error_in_a_taxonomy_file_names_the_file_and_the_aspect(tmp_path: Path) -> None:
    path = tmp_path / "mall.yaml"
    path.write_text(
        "aspects:\n  parking:\n    label: {en: Parking, zh: 停车}\n"
        "    definition: {en: Parking at the mall.}\n    zh: [停车]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_taxonomy(path)
    assert str(path) in str(err.value)
    assert "aspect 'parking'" in str(err.value)
    assert "'zh'" in str(err.value)
