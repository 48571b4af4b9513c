"""The ESC/POS decoder, fed bytes directly (no socket)."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from hallq.hardware.printer import EscposDecoder, PrinterProfile, decode, render_ticket
from hallq.hardware.printer.escpos_decode import ReceiptDone, StatusRequest
from hallq.hardware.printer.receipt import Gap, PrintedBarcode, PrintedLine
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

pytestmark = pytest.mark.timeout(120)

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"


def _lines(receipt) -> list[PrintedLine]:
    return [i for i in receipt.items if isinstance(i, PrintedLine) and i.text]


def test_receipts_are_split_at_cuts_in_order(ticket) -> None:
    from dataclasses import replace

    profile = PrinterProfile()
    job = render_ticket(ticket, profile) + render_ticket(replace(ticket, number="A002"), profile)
    receipts = decode(job)
    assert [("A001" in r.lines, "A002" in r.lines) for r in receipts] == [(True, False),
                                                                        (False, True)]


def test_text_without_cut_comes_out_at_the_end_uncut() -> None:
    [receipt] = decode(b"\x1b@hello\nworld")
    assert receipt.lines == ["hello", "world"]
    assert receipt.cut is None


def test_styles_sizes_and_alignment_are_kept() -> None:
    data = (ESC + b"@" + ESC + b"a\x01" + GS + b"!\x11" + ESC + b"E\x01" + "大号".encode("gb18030")
            + b"\n" + ESC + b"a\x02" + GS + b"!\x00" + ESC + b"E\x00" + b"right\n"
            + ESC + b"!\x38" + b"mode\n" + ESC + b"a0" + ESC + b"-\x01" + b"under\n")
    [receipt] = decode(data)
    big, right, mode, under = _lines(receipt)
    assert (big.text, big.align, big.spans[0].width, big.spans[0].height, big.spans[0].bold) == (
        "大号", "center", 2, 2, True)
    assert (right.text, right.align, right.spans[0].bold) == ("right", "right", False)
    assert (mode.spans[0].width, mode.spans[0].height, mode.spans[0].bold) == (2, 2, True)
    assert (under.align, under.spans[0].underline) == ("left", True)


def test_a_style_change_mid_line_makes_a_new_span() -> None:
    [receipt] = decode("号码 ".encode("gb18030") + GS + b"!\x11" + b"A001" + b"\n")
    [line] = _lines(receipt)
    assert [(s.text, s.width) for s in line.spans] == [("号码 ", 1), ("A001", 2)]


@pytest.mark.parametrize(("encoding", "text"), [("gb18030", "请到5号窗口：€"),
                                                ("gbk", "请到5号窗口：")])
def test_chinese_mode_decodes_the_printer_encoding(encoding: str, text: str) -> None:
    [receipt] = decode(FS + b"&" + text.encode(encoding) + b"\n", encoding=encoding)
    assert receipt.lines == [text]


def test_leaving_chinese_mode_falls_back_to_the_code_page() -> None:
    data = FS + b"&" + "中".encode("gb18030") + b"\n" + FS + b"." + b"\x82\n"
    [receipt] = decode(data)
    assert receipt.lines == ["中", "é"]  # 0x82 in code page 437


def test_a_printer_not_in_chinese_mode_by_default_needs_fs_ampersand() -> None:
    [receipt] = decode("中".encode("gb18030") + b"\n" + FS + b"&" + "中".encode("gb18030") + b"\n",
                       chinese_mode=False)
    assert receipt.lines[1] == "中"
    assert receipt.lines[0] != "中"


def test_utf8_is_selected_with_fs_paren_c() -> None:
    data = FS + b"(C\x02\x000\x02" + "窗口".encode() + b"\n"
    [receipt] = decode(data)
    assert receipt.lines == ["窗口"]


def test_multibyte_characters_split_across_chunks_decode() -> None:
    decoder = EscposDecoder()
    data = "请到5号窗口\n".encode("gb18030")
    for i in range(len(data)):
        decoder.feed(data[i:i + 1])
    [done] = decoder.finish()
    assert isinstance(done, ReceiptDone)
    assert done.receipt.lines == ["请到5号窗口"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=600), max_size=12))
def test_any_chunking_gives_the_same_receipts(cuts: list[int]) -> None:
    from datetime import datetime

    from hallq.hardware.printer import TicketPrint

    ticket = TicketPrint("大厅", "B012", "税务局", "发票申领", 2, 300, datetime(2024, 5, 6, 9, 0),
                         "https://hall.example/t/B012", "请留意叫号。")
    data = render_ticket(ticket, PrinterProfile(qr="native"))
    decoder = EscposDecoder()
    events = []
    last = 0
    for cut in sorted(cuts):
        events += decoder.feed(data[last:cut])
        last = max(last, cut)
    events += decoder.feed(data[last:]) + decoder.finish()
    receipts = [e.receipt for e in events if isinstance(e, ReceiptDone)]
    expected = decode(data)
    assert [r.summary() for r in receipts] == [r.summary() for r in expected]


def test_status_requests_come_out_in_stream_order() -> None:
    decoder = EscposDecoder()
    events = decoder.feed(b"\x10\x04\x01abc\n" + GS + b"V\x00" + b"\x10\x04\x04" + GS + b"r\x01")
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["StatusRequest", "ReceiptDone", "StatusRequest", "StatusRequest"]
    assert events[0] == StatusRequest("dle_eot", 1)
    assert events[2] == StatusRequest("dle_eot", 4)
    assert events[3] == StatusRequest("gs_r", 1)


def test_interrupt_closes_the_receipt_and_drops_output_until_resume() -> None:
    decoder = EscposDecoder()
    decoder.feed(b"first line\n")
    [done] = decoder.interrupt("paper_out")
    assert isinstance(done, ReceiptDone)
    assert (done.receipt.lines, done.receipt.interrupted) == (["first line"], "paper_out")
    assert decoder.feed(b"lost\n\x10\x04\x04") == [StatusRequest("dle_eot", 4)]
    decoder.resume()
    decoder.feed(b"after\n" + GS + b"V\x01")
    assert decoder.discarded_items == 1


def _image_job(impl: str, img: Image.Image) -> bytes:
    printer = Dummy()
    printer.image(img, impl=impl)
    printer.cut()
    return printer.output


@pytest.mark.parametrize("impl", ["bitImageRaster", "graphics", "bitImageColumn"])
def test_every_escpos_image_command_decodes_to_the_same_picture(impl: str) -> None:
    img = Image.new("1", (96, 48), 1)
    draw = ImageDraw.Draw(img)
    draw.rectangle((4, 4, 40, 30), fill=0)
    draw.line((50, 0, 95, 47), fill=0, width=3)
    [receipt] = decode(_image_job(impl, img))
    [printed] = receipt.images
    got = printed.image.crop((0, 0, 96, 48)).convert("L")
    assert ImageChops.difference(got, img.convert("L")).getbbox() is None


def test_barcode_feed_and_unknown_commands_do_not_break_decoding() -> None:
    data = (b"top\n" + GS + b"k\x04CODE39\x00" + ESC + b"J\x20" + ESC + b"\x7f"
            + b"bottom\n" + GS + b"V\x41\x03")
    [receipt] = decode(data)
    assert receipt.lines == ["top", "bottom"]
    assert [type(i) for i in receipt.items] == [PrintedLine, PrintedBarcode, Gap, PrintedLine]
    assert receipt.cut == "full"
    assert receipt.warnings == ["unknown command 1b 7f"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_never_raises(data: bytes) -> None:
    decoder = EscposDecoder(find_qr_in_images=False)
    decoder.feed(data)
    decoder.finish()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_between_jobs_does_not_eat_the_next_ticket(garbage: bytes) -> None:
    # A reset (ESC @) after garbage is how hallq starts every job; whatever unfinished
    # command the garbage began, the decoder must come back in sync once it ends.
    from datetime import datetime

    from hallq.hardware.printer import TicketPrint

    ticket = TicketPrint("大厅", "C007", "人社局", "社保", 0, 0, datetime(2024, 5, 6, 9, 0),
                         "https://hall.example/t/C007")
    clean = garbage.replace(b"\x1d", b"").replace(b"\x1b", b"").replace(b"\x1c", b"")
    clean = clean.replace(b"\x10", b"")
    receipts = decode(clean + b"\n" + GS + b"V\x00" + render_ticket(ticket, PrinterProfile()),
                      find_qr_in_images=False)
    assert "C007" in receipts[-1].lines
