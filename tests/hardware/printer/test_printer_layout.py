"""Text measuring, wrapping and the documents' layouts."""

from __future__ import annotations

import pytest
from hallq.hardware.printer.blocks import Qr, TextLine, spread, text_columns, wrap
from hallq.hardware.printer.layout import (
    credit_summary_blocks,
    guide_checklist_blocks,
    ticket_blocks,
    wait_en,
    wait_zh,
)
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(("text", "columns"), [("A001", 4), ("请到5号窗口", 11),
                                               ("：", 2), ("", 0), ("·", 2)])
def test_columns_count_non_ascii_as_two(text: str, columns: int) -> None:
    assert text_columns(text) == columns


def test_wrap_breaks_ideographs_anywhere_and_latin_at_spaces() -> None:
    assert wrap("请留意叫号，过号请重新取号。", 10) == ["请留意叫号", "，过号请重", "新取号。"]
    assert wrap("Please listen for your number", 12) == ["Please", "listen for", "your number"]


@given(st.text(alphabet=st.sampled_from(list("ab 1请号窗口：。")), max_size=80),
       st.integers(min_value=2, max_value=48))
def test_wrapped_lines_fit_and_keep_every_character(text: str, columns: int) -> None:
    lines = wrap(text, columns)
    assert all(text_columns(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_spread_right_aligns() -> None:
    assert spread("原件", "1", 10) == "原件     1"
    assert spread("long left", "right", 5) == "long left right"


@pytest.mark.parametrize(("seconds", "zh", "en"), [
    (None, "暂无法估计", "not known yet"),
    (30, "不足1分钟", "under 1 min"),
    (60, "约1分钟", "about 1 min"),
    (61, "约2分钟", "about 2 min"),
    (3600, "约1小时", "about 1 h"),
    (4800, "约1小时20分钟", "about 1 h 20 min"),
])
def test_wait_is_rounded_up_to_minutes(seconds: int | None, zh: str, en: str) -> None:
    assert wait_zh(seconds) == zh
    assert wait_en(seconds) == en


def test_ticket_layout_has_number_large_chinese_and_english_and_qr(ticket) -> None:
    blocks = ticket_blocks(ticket, 48)
    number = next(b for b in blocks if isinstance(b, TextLine) and b.text == "A001")
    assert (number.width, number.height, number.align) == (4, 4, "center")
    texts = [b.text for b in blocks if isinstance(b, TextLine)]
    assert "前方等待：3 人" in texts
    assert "People ahead: 3" in texts
    assert "预计等待：约15分钟" in texts
    assert "取号时间 Issued 2024-05-06 09:31" in texts
    assert [b.content for b in blocks if isinstance(b, Qr)] == [ticket.status_url]


def test_long_ticket_number_is_shrunk_to_fit_58mm(ticket) -> None:
    from dataclasses import replace

    blocks = ticket_blocks(replace(ticket, number="AB12345678"), 32)
    number = next(b for b in blocks if isinstance(b, TextLine) and b.text == "AB12345678")
    assert number.width * text_columns(number.text) <= 32


@pytest.mark.parametrize("columns", [32, 48])
def test_every_layout_fits_the_paper(ticket, guide, credit, columns: int) -> None:
    for blocks in (ticket_blocks(ticket, columns), guide_checklist_blocks(guide, columns),
                   credit_summary_blocks(credit, columns)):
        for block in blocks:
            if isinstance(block, TextLine):
                assert text_columns(block.text) * block.width <= columns, block


def test_guide_layout_lists_materials_with_counts(guide) -> None:
    texts = [b.text for b in guide_checklist_blocks(guide, 48) if isinstance(b, TextLine)]
    assert "1. [必需] 公司登记（备案）申请书" in texts
    assert "3. [如有] 委托书" in texts
    assert "   原件 Originals ×0  复印件 Copies ×2" in texts
    assert "   自然人股东提交身份证复印件" in texts


def test_credit_layout_shows_counts_lists_and_grade(credit) -> None:
    texts = [b.text for b in credit_summary_blocks(credit, 48) if isinstance(b, TextLine)]
    assert "统一社会信用代码：91350200MA2YJ1XR9G" in texts
    assert "行政许可 Licences：4 条" in texts
    assert "行政处罚 Penalties：1 条" in texts
    assert "经营异常名录：否 No" in texts
    assert "守信激励（红名单）：是 Yes（2023-03-01起）" in texts
    assert "纳税信用等级 Tax grade：A" in texts
