"""Pinyin-aware keys: script, order, spacing and homophones do not matter; real differences do."""

from __future__ import annotations

import pytest

from loyalloop.data.identity import address_key, city_key, name_keys
from loyalloop.data.identity.names import pinyin_syllables


@pytest.mark.parametrize(
    "variant",
    ["王芳", "汪芳", "王 芳", "Wang Fang", "WANG FANG", "Fang Wang", "fang, wang", "Ｗａｎｇ Fang"],
)
def test_same_person_same_name_key(variant: str) -> None:
    assert name_keys(variant)[1] == "fang wang"


@pytest.mark.parametrize(
    "variant", ["王小明", "Wang Xiaoming", "Xiaoming Wang", "Wang Xiao Ming", "WANG Xiao-Ming"]
)
def test_given_name_syllables_split_or_joined(variant: str) -> None:
    assert name_keys(variant)[1] == name_keys("王小明")[1] == "ming wang xiao"


def test_surname_readings_and_u_umlaut() -> None:
    assert name_keys("单雄信")[1] == name_keys("Shan Xiongxin")[1]  # 单 as a surname is Shan
    assert name_keys("曾国藩")[1] == name_keys("Zeng Guofan")[1]
    for spelling in ("吕娜", "Lyu Na", "Lv Na", "LÜ NA", "Lu Na"):
        assert name_keys(spelling)[1] == "lu na"


def test_different_names_differ() -> None:
    assert name_keys("王芳")[1] != name_keys("王方圆")[1]
    assert name_keys("王芳")[1] != name_keys("黄芳")[1]  # huang ≠ wang
    assert name_keys("John Smith")[1] == name_keys("Smith John")[1] == "john smith"
    assert name_keys("John Smith")[1] != name_keys("Jon Smith")[1]


def test_clean_and_han_parts() -> None:
    assert name_keys(" Wang  Fang ") == ("wangfang", "fang wang", None)
    assert name_keys("王芳") == ("王芳", "fang wang", "王芳")
    assert name_keys(None) == (None, None, None)
    assert name_keys("  ,  ") == (None, None, None)


def test_pinyin_segmentation_prefers_standard_split() -> None:
    assert pinyin_syllables("xiangang") == ("xian", "gang")
    assert pinyin_syllables("zhangwei") == ("zhang", "wei")
    assert pinyin_syllables("smith") is None


@pytest.mark.parametrize(
    ("a", "b"), [("上海市", "Shanghai"), ("西安", "Xi'an"), ("北京", "BEIJING")]
)
def test_city_keys(a: str, b: str) -> None:
    assert city_key(a) == city_key(b)


def test_city_keys_differ() -> None:
    assert city_key("上海") != city_key("深圳")


def test_address_keys_ignore_layout_and_city_prefix() -> None:
    base = address_key("浦东新区张杨路88号5栋2单元301室", "上海")
    for variant in (
        "上海市浦东新区张杨路88号5栋2单元301室",
        "上海浦东新区 张杨路８８號５幢２单元３０１室",
        " 浦东新区张杨路88号 5栋 2 单元301室",
    ):
        assert address_key(variant, "上海") == base
    assert address_key("浦东新区张杨路89号5栋2单元301室", "上海") != base
    assert address_key("Apt 12, 88 Main Street") == address_key("apt 12 88 main st")
    assert address_key(None) is None


def test_reading_table_is_pypinyins_own() -> None:
    """The table read from pypinyin's data file without importing the package equals the one
    built through pypinyin's API (its dictionary module and ``Style.NORMAL``), character for
    character."""
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    from loyalloop.data.identity.names import _char_readings, _fold

    expected = {
        chr(code): _fold(convert(readings.split(",")[0], Style.NORMAL, strict=False))
        for code, readings in pinyin_dict.items()
    }
    assert _char_readings() == expected
    assert len(expected) > 40_000


def test_keys_do_not_import_pypinyin() -> None:
    """Only the dictionary's data are read: ``import pypinyin`` (phrases, segmenter) costs
    0.3 s of CPU the keys do not need. Checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys; from loyalloop.data.identity.names import name_keys; "
        "assert name_keys('王芳')[1] == 'fang wang'; print('pypinyin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
