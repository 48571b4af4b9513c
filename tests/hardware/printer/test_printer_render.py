"""Rendering documents to ESC/POS, checked by decoding the bytes back."""

from __future__ import annotations

from dataclasses import replace

import pytest
import zxingcpp
from hallq.hardware.errors import PrinterError
from hallq.hardware.printer import (
    PrinterProfile,
    decode,
    render_credit_summary,
    render_guide_checklist,
    render_ticket,
)
from hallq.hardware.printer.blocks import Qr, text_columns
from hallq.hardware.printer.layout import ticket_blocks
from hallq.hardware.printer.raster import threshold
from hallq.hardware.printer.receipt import PrintedImage, PrintedQr
from hallq.hardware.printer.render import CHINESE_OFF, CHINESE_ON, SELECT_UTF8, render_section
from PIL import Image, ImageChops

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8"])
def test_native_ticket_decodes_to_its_chinese_and_english_lines(ticket, encoding: str) -> None:
    data = render_ticket(ticket, PrinterProfile(encoding=encoding))
    [receipt] = decode(data, encoding="gb18030")
    assert receipt.cut == "partial"
    assert receipt.warnings == []
    lines = receipt.lines
    assert "A001" in lines
    assert "市民之家政务服务中心" in lines
    assert "前方等待：3 人" in lines
    assert "Estimated wait: about 15 min" in lines
    assert "请留意叫号，过号请重新取号。" in lines
    assert receipt.qr_contents == [ticket.status_url]


def test_native_mode_sends_encoded_text_in_chinese_mode(ticket) -> None:
    data = render_ticket(ticket, PrinterProfile(encoding="gb18030"))
    assert data.startswith(b"\x1b@" + CHINESE_ON)
    assert CHINESE_OFF in data
    # Full-width punctuation goes out as GB18030, never through a code page as '?'.
    assert "前方等待：3 人".encode("gb18030") in data
    assert b"?" not in data
    assert b"\x1d!\x33" + b"\x1bE\x01" in data  # the number at 4x4, bold


def test_gbk_and_utf8_profiles_encode_accordingly(ticket) -> None:
    gbk = render_ticket(ticket, PrinterProfile(encoding="gbk"))
    assert "市场监督管理局".encode("gbk") in gbk
    utf8 = render_ticket(ticket, PrinterProfile(encoding="utf-8"))
    assert utf8.startswith(b"\x1b@" + SELECT_UTF8)
    assert "市场监督管理局".encode() in utf8
    [receipt] = decode(utf8, encoding="gb18030")  # the printer switches on FS ( C
    assert "市场监督管理局" in receipt.lines


def test_native_qr_is_sent_as_gs_paren_k(ticket) -> None:
    data = render_ticket(ticket, PrinterProfile(qr="native", qr_module=6))
    assert b"\x1d(k" in data
    [receipt] = decode(data)
    [qr] = [i for i in receipt.items if isinstance(i, PrintedQr)]
    assert (qr.content, qr.module, qr.error_correction, qr.align) == (
        ticket.status_url, 6, "M", "center")


def test_raster_mode_sends_no_text_only_paper_wide_images(ticket) -> None:
    profile = PrinterProfile(mode="raster", qr="image")
    data = render_ticket(ticket, profile)
    assert "市民之家".encode("gb18030") not in data
    assert b"A001" not in data
    [receipt] = decode(data)
    assert not any(line.strip() for line in receipt.lines)
    images = receipt.images
    assert len(images) == 3  # text before the QR, the QR, text after
    assert {img.image.width for img in images} == {profile.width_dots}
    assert receipt.qr_contents == [ticket.status_url]
    assert receipt.cut == "partial"


def test_raster_image_is_exactly_the_rendered_text(ticket) -> None:
    profile = PrinterProfile(mode="raster")
    blocks = ticket_blocks(ticket, profile.chars_per_line)
    head = blocks[:next(i for i, b in enumerate(blocks) if isinstance(b, Qr))]
    expected = threshold(render_section(head, profile))
    [receipt] = decode(render_ticket(ticket, profile))
    received = receipt.images[0].image
    assert received.size == expected.size
    assert ImageChops.difference(received.convert("L"), expected.convert("L")).getbbox() is None


def test_raster_text_shows_the_number_large(ticket) -> None:
    # The number line must hold far more ink than a normal line: it is printed 4x4.
    profile = PrinterProfile(mode="raster")
    blocks = ticket_blocks(ticket, profile.chars_per_line)
    number_index = next(i for i, b in enumerate(blocks) if getattr(b, "text", "") == "A001")
    number = render_section([blocks[number_index]], profile)
    label = render_section([blocks[number_index - 1]], profile)
    assert number.height >= 4 * 24
    def dark(img: Image.Image) -> int:
        return sum(img.histogram()[:128])

    assert dark(number) > 3 * dark(label)


def test_raster_mode_with_native_qr(ticket) -> None:
    [receipt] = decode(render_ticket(ticket, PrinterProfile(mode="raster", qr="native")))
    assert [i.content for i in receipt.items if isinstance(i, PrintedQr)] == [ticket.status_url]


def test_qr_image_decodes_with_zxing(ticket) -> None:
    [receipt] = decode(render_ticket(ticket, PrinterProfile.mm58(qr="image")))
    [qr_image] = [i for i in receipt.items if isinstance(i, PrintedImage) and i.qr_texts]
    assert qr_image.image.width == 384
    results = zxingcpp.read_barcodes(qr_image.image.convert("L"))
    assert [r.text for r in results] == [ticket.status_url]


def test_missing_font_is_a_typed_error_in_raster_mode_only(ticket) -> None:
    profile = PrinterProfile(mode="raster", font_path="/nonexistent/font.ttc")
    with pytest.raises(PrinterError) as err:
        render_ticket(ticket, profile)
    assert err.value.code == "font_missing"
    assert render_ticket(ticket, replace(profile, mode="native"))  # native needs no font


def test_rendering_is_deterministic(ticket) -> None:
    for profile in (PrinterProfile(), PrinterProfile(mode="raster", qr="image")):
        assert render_ticket(ticket, profile) == render_ticket(ticket, profile)


@pytest.mark.parametrize("cut", ["full", "partial", "none"])
def test_cut_follows_the_profile(ticket, cut: str) -> None:
    [receipt] = decode(render_ticket(ticket, PrinterProfile(cut=cut)))
    assert receipt.cut == (None if cut == "none" else cut)


def test_guide_checklist_prints_materials(guide) -> None:
    [receipt] = decode(render_guide_checklist(guide, PrinterProfile()))
    text = receipt.text
    assert "1. [必需] 公司登记（备案）申请书" in text
    assert "原件 Originals ×0  复印件 Copies ×2" in text
    assert receipt.qr_contents == [guide.guide_url]


def test_credit_summary_prints_on_58mm_within_the_paper(credit) -> None:
    profile = PrinterProfile.mm58()
    [receipt] = decode(render_credit_summary(credit, profile))
    assert "91350200MA2YJ1XR9G" in receipt.text
    assert "纳税信用等级 Tax grade：A" in receipt.lines
    for item in receipt.items:
        for line in [item] if hasattr(item, "spans") else []:
            width = sum(text_columns(s.text) * s.width for s in line.spans)
            assert width <= profile.chars_per_line, line.text


def test_profile_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PrinterProfile(mode="braille")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PrinterProfile(width_dots=500)
    assert PrinterProfile.from_dict({"preset": "58mm", "mode": "raster"}).width_dots == 384
    with pytest.raises(ValueError):
        PrinterProfile.from_dict({"colour": "red"})
