"""Check characters: GB 32100 (credit codes), GB 11714 (organization codes inside them),
GB 11643 (ID numbers); the examples of the hall facts and generated cases."""

from __future__ import annotations

import random

import pytest
from hallq.server.credit import demo
from hypothesis import given
from hypothesis import strategies as st

from hallq.identifiers import (
    CREDIT_ALPHABET,
    check_credit_code,
    check_id_number,
    credit_check_char,
    id_check_char,
)

VALID_CODES = ("91110000600037341L", "91350200MA2YJ1XR9G", "913502000728319549")
ALPHABET = st.sampled_from(CREDIT_ALPHABET)
DIGIT = st.sampled_from("0123456789")
BODY = st.tuples(st.text(ALPHABET, min_size=2, max_size=2), st.text(DIGIT, min_size=6, max_size=6),
                 st.text(ALPHABET, min_size=9, max_size=9)).map("".join)


@pytest.mark.parametrize("code", VALID_CODES)
def test_known_codes_pass(code):
    assert check_credit_code(code).ok
    assert check_credit_code(code.lower()).ok and check_credit_code(f" {code[:9]} {code[9:]} ").normalized == code


@pytest.mark.parametrize("code", VALID_CODES)
def test_every_other_check_character_fails(code):
    for other in CREDIT_ALPHABET.replace(code[-1], ""):
        assert check_credit_code(code[:-1] + other).code == "check"


@pytest.mark.parametrize("bad", ["", "9111000060003734", "91110000600037341L0", "9I110000600037341L",
                                 "91110000600O37341L", "91AB0000600037341L", "91110000S00037341L"])
def test_malformed_codes_fail_on_shape(bad):
    assert check_credit_code(bad).code == "shape"


@given(BODY)
def test_a_generated_check_character_validates(body):
    assert check_credit_code(body + credit_check_char(body)).ok


@given(BODY, st.integers(0, 16), ALPHABET)
def test_any_single_substitution_is_detected(body, position, replacement):
    # 31 is prime and no weight is a multiple of it: changing one character always changes the sum.
    code = body + credit_check_char(body)
    if replacement == code[position] or (2 <= position < 8 and not replacement.isdigit()):
        return
    changed = code[:position] + replacement + code[position + 1:]
    assert check_credit_code(changed).code == "check"


def test_organization_codes_inside_the_examples_check():
    for code in VALID_CODES:
        org = code[8:17]
        assert demo.org_check_char(org[:8]) == org[8]


def test_id_number_example_and_generated_ones():
    assert check_id_number("11010519491231002X").ok
    assert check_id_number("110105194912310021").code == "check"
    rng = random.Random(3)
    for _ in range(200):
        number = demo.make_id_number(rng, "430105")
        assert check_id_number(number).ok and id_check_char(number[:17]) == number[17]


def test_demo_codes_are_valid_distinct_and_have_organization_checks(demo_records):
    codes = [r["code"] for r in demo_records]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert check_credit_code(code).ok, code
        assert code[0] == "9" and code[1] in "123" and code[2:8].isdigit()
        assert demo.org_check_char(code[8:16]) == code[16]


def test_demo_names_follow_region_brand_industry_form(demo_records):
    names = [r["name"] for r in demo_records]
    assert len(set(names)) == len(names)
    forms = tuple(f[0] for f in demo.FORMS)
    for record in demo_records:
        assert record["name"].endswith(forms)
        assert record["name"].startswith(("湘江", *(d for _, d in demo.DISTRICTS)))
    assert any(r.get("penalties") for r in demo_records) and any(r.get("licences") for r in demo_records)
    assert {e["list"] for r in demo_records for e in r.get("lists", ())} >= {"经营异常名录"}


def test_demo_is_reproducible():
    assert list(demo.companies(20, seed=5)) == list(demo.companies(20, seed=5))
    assert list(demo.companies(20, seed=5)) != list(demo.companies(20, seed=6))


def _valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


def test_an_id_number_in_other_scripts_digits_is_refused_not_read():
    ascii_id = _valid_id("11010519491231002")
    arabic = ascii_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    devanagari = ascii_id.translate(str.maketrans("0123456789", "०१२३४५६७८९"))
    assert check_id_number(ascii_id).ok
    assert check_id_number(arabic).code == "shape" and check_id_number(devanagari).code == "shape"


@pytest.mark.parametrize(("province", "ok"), [("11", True), ("65", True), ("81", True), ("83", True),
                                               ("00", False), ("10", False), ("19", False), ("99", False)])
def test_an_id_number_opens_with_a_province_code(province, ok):
    result = check_id_number(_valid_id(province + "010519491231002"[:15]))
    assert result.ok is ok and (ok or result.code == "region")


def test_a_credit_code_in_other_scripts_digits_is_refused():
    assert check_credit_code("91110000600037341L".replace("0", "٠")).code == "shape"
