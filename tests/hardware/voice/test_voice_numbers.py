"""Reading numbers aloud, the Chinese way and in English. No audio."""

from __future__ import annotations

import pytest
from hallq.hardware.errors import VoiceError
from hallq.hardware.voice import CLIPS, call_clips, en_number, zh_number
from hallq.hardware.voice.clips import SPECIAL
from hallq.hardware.voice.numbers import ticket_clips

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(("n", "words"), [
    (0, "零"), (5, "五"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五"),
    (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九"),
    (1001, "一千零一"), (1010, "一千零一十"), (2300, "二千三百"),
])
def test_zh_numbers(n: int, words: str) -> None:
    names = {f"zh_{i}": c for i, c in enumerate("零一二三四五六七八九")}
    names.update({"zh_shi": "十", "zh_bai": "百", "zh_qian": "千"})
    assert "".join(names[c] for c in zh_number(n)) == words


@pytest.mark.parametrize(("n", "clips"), [
    (0, ["en_0"]), (5, ["en_5"]), (13, ["en_13"]), (20, ["en_20"]), (42, ["en_40", "en_2"]),
    (100, ["en_1", "en_hundred"]), (105, ["en_1", "en_hundred", "en_5"]),
    (1200, ["en_1", "en_thousand", "en_2", "en_hundred"]),
])
def test_en_numbers(n: int, clips: list[str]) -> None:
    assert en_number(n) == clips


def test_the_chinese_call() -> None:
    assert call_clips("A001", 5, "zh") == [
        "zh_qing", "letter_a", "zh_0", "zh_0", "zh_1", "zh_hao", "zh_dao", "zh_5", "zh_hao",
        "zh_chuangkou", "zh_banli"]


def test_the_english_call() -> None:
    assert call_clips("a001", "12", "en") == [
        "en_ticket", "letter_a", "en_0", "en_0", "en_1", "pause", "en_please_go_to",
        "en_window", "en_12"]


def test_multi_letter_prefixes_are_spelled() -> None:
    assert ticket_clips("AB-012", "zh") == ["letter_a", "letter_b", "zh_0", "zh_1", "zh_2"]


@pytest.mark.parametrize(("number", "window"), [("A00一", 5), ("", 5), ("A001", "五"),
                                                ("A001", -1), ("A001", 10000),
                                                ("A" * 13, 1)])
def test_unreadable_input_is_a_typed_error(number: str, window: object) -> None:
    with pytest.raises(VoiceError) as err:
        call_clips(number, window, "zh")  # type: ignore[arg-type]
    assert err.value.code == "bad_number"


def test_every_clip_a_call_can_need_exists() -> None:
    needed = set()
    for n in range(0, 10000, 7):
        needed.update(zh_number(n) + en_number(n))
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        needed.update(call_clips(f"{letter}999", 1, "zh") + call_clips(f"{letter}0", 1, "en"))
    assert needed <= set(CLIPS) | set(SPECIAL)
