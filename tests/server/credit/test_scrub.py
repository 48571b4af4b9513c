"""Masking personal data in free text: what is masked, what is left, and that nothing leaks."""

from __future__ import annotations

import random

import pytest
from hallq.server.credit import demo
from hallq.server.credit.scrub import leaks, scrub
from hypothesis import given
from hypothesis import strategies as st

ID = "430105198806121231"   # a made-up number with a valid check character


@pytest.mark.parametrize(("text", "expected"), [
    (f"身份证号{ID}，", "身份证号430105********1231，"),
    ("身份证号43010519880612123x。", "身份证号430105********123X。"),
    # a mistyped ID number (wrong check character) is still someone's
    ("证件号码430105198806121239", "证件号码430105********1239"),
    ("旧证件430105880612123。", "旧证件430105******123。"),
    ("联系电话13812345678。", "联系电话138****5678。"),
    ("手机 138-1234-5678", "手机 138****5678"),
    ("电话+86 13912345678", "电话139****5678"),
    ("账号6222021234567890123", "账号6222***********0123"),
    ("卡号 6222 0212 3456 7890", "卡号 6222********7890"),
    ("家庭住址：湘江市岳麓区麓山南路12号，", "家庭住址：***，"),
    ("住址湘江市天心区1号。", "住址***。"),
    ("户籍所在地为湘江市临湘县某村", "户籍所在地为***"),
])
def test_personal_data_is_masked(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "统一社会信用代码913502000728319549",          # an all-digit credit code
    "统一社会信用代码91350200MA2YJ1XR9G",
    "注册号430100000012345",                        # 15 digits, no birth date inside
    "经营地址：湘江市天心区五一大道1号",              # a business's address is public
    "住所：湘江市芙蓉区人民东路8号",
    "监督电话0731-88561000",
    "罚款人民币50000元，湘江市监处罚〔2024〕123号",
    "2024-01-15 作出决定",
])
def test_public_data_is_kept(text):
    assert scrub(text) == text


def _notice(rng: random.Random) -> str:
    mobile = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    card = "".join(rng.choice("0123456789") for _ in range(rng.choice((16, 19))))
    parts = [f"身份证号{demo.make_id_number(rng, '430111')}", f"电话{mobile}", f"银行账号{card}", "销售过期食品"]
    rng.shuffle(parts)
    return "经查，当事人张三（" + "，".join(parts) + "）。"


@given(st.integers(0, 10_000))
def test_generated_notices_leak_nothing_and_scrubbing_is_idempotent(seed):
    text = _notice(random.Random(seed))
    assert leaks(text)
    once = scrub(text)
    assert leaks(once) == []
    assert scrub(once) == once


@given(st.text(max_size=200))
def test_scrub_never_fails_and_is_idempotent_on_any_text(text):
    assert scrub(scrub(text)) == scrub(text)
