"""What a visitor can type: pads refuse keys they do not have, validators refuse what is
malformed (with the i18n key of the reason), nothing else gets through."""

from __future__ import annotations

import pytest
from hallq.kiosk.model.fields import (
    MAX_LENGTH,
    PADS,
    Entry,
    Kind,
    check,
    check_booking_code,
    check_credit_query,
    check_id,
    check_mobile,
    check_search,
    grouped,
    masked,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(("typed", "value", "error"), [
    ("11010519491231002X", "11010519491231002X", ""),
    ("11010519491231002x", "11010519491231002X", ""),          # lower-case x from a scanner
    ("110105 19491231 002X", "11010519491231002X", ""),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", ""),   # full-width digits
    ("110105194912310021", "110105194912310021", "field.id_number.check"),
    ("11010519491331002X", "11010519491331002X", "field.id_number.date"),
    ("1101051949123100", "1101051949123100", "field.id_number.shape"),
    ("", "", "field.empty"),
])
def test_id_number(typed: str, value: str, error: str) -> None:
    checked = check_id(typed)
    assert (checked.value, checked.error) == (value, error)
    assert checked.ok is (error == "")


@pytest.mark.parametrize(("typed", "ok"), [
    ("13800138000", True), ("138 0013 8000", True), ("+8613800138000", True),
    ("12800138000", False), ("1380013800", False), ("abc", False),
])
def test_phone(typed: str, ok: bool) -> None:
    checked = check_mobile(typed)
    assert checked.ok is ok
    assert checked.error == ("" if ok else "field.phone.shape")


@pytest.mark.parametrize(("typed", "error"), [
    ("ABCD2345", ""), ("abcd-2345", ""), ("ABCD234", "field.booking_code.shape"),
    ("ABCD2340", "field.booking_code.shape"),   # 0 is never in a code
    ("ABCD23456", "field.booking_code.shape"), ("", "field.empty"),
])
def test_booking_code(typed: str, error: str) -> None:
    assert check_booking_code(typed).error == error


@pytest.mark.parametrize(("typed", "kind", "value", "error", "warning"), [
    ("91110000600037341L", "code", "91110000600037341L", "", ""),
    ("91110000600037341l", "code", "91110000600037341L", "", ""),
    ("91110000600037341M", "code", "91110000600037341M", "", "field.credit.check"),   # warn, not refuse
    ("9111000060003734IL", "code", "9111000060003734IL", "field.credit.shape", ""),     # I is not in codes
    ("911100006000373411L", "code", "911100006000373411L", "field.credit.shape", ""),
    ("9111", "code", "9111", "", ""),                       # a part of a code
    ("HRJC", "initials", "hrjc", "", ""),
    ("华瑞 建材", "name", "华瑞 建材", "", ""),
    ("", "", "", "field.empty", ""),
])
def test_credit_query(typed: str, kind: str, value: str, error: str, warning: str) -> None:
    checked = check_credit_query(typed)
    assert (checked.kind, checked.value, checked.error, checked.warning) == (kind, value, error, warning)


def test_search_drops_control_characters_and_limits_length() -> None:
    assert check_search("GS\x00DJ\n").value == "gsdj"
    assert check_search("税务\u200b局").value == "税务局"
    assert check_search("a" * 51).error == "field.too_long"


def test_pads_accept_only_their_keys_and_length() -> None:
    entry = Entry(Kind.ID_NUMBER)
    assert not entry.press("A") and not entry.press("") and not entry.press("12")
    for key in "11010519491231002x":
        assert entry.press(key)
    assert entry.text == "11010519491231002X"
    assert not entry.press("1")                        # full
    assert entry.display == "110105 19491231 002X"
    assert entry.submit().ok
    entry.backspace()
    assert entry.checked is None and entry.text == "11010519491231002"
    assert entry.submit().error == "field.id_number.shape"
    entry.clear()
    assert entry.text == "" and entry.submit().error == "field.empty"
    phone = Entry(Kind.PHONE)
    assert not phone.press("X")


@given(st.text(max_size=40))
def test_nothing_typed_on_a_pad_breaks_a_validator(keys: str) -> None:
    for kind in Kind:
        entry = Entry(kind)
        for key in keys:
            entry.press(key)
        assert set(entry.text) <= set("".join(PADS[kind]))
        assert len(entry.text) <= MAX_LENGTH[kind]
        result = entry.submit()
        assert result.ok or result.error.startswith("field.")


@given(st.text(max_size=80))
def test_any_text_gets_a_verdict(text: str) -> None:
    for kind in Kind:
        result = check(kind, text)
        assert result.ok or result.error.startswith("field.")


def test_grouping_and_masking() -> None:
    assert grouped(Kind.PHONE, "13800138000") == "138 0013 8000"
    assert grouped(Kind.BOOKING_CODE, "ABCD2345") == "ABCD 2345"
    assert masked(Kind.ID_NUMBER, "11010519491231002X") == "110105********002X"
    assert masked(Kind.PHONE, "13800138000") == "138****8000"
