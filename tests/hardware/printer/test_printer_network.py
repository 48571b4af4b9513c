"""Printing through python-escpos's Network transport into the printer simulator."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from hallq.hardware.errors import PrinterError
from hallq.hardware.printer import PrinterProfile, PrinterSimulator, open_printer
from hallq.hardware.printer.transports import NetworkTransport
from PIL import Image

pytestmark = pytest.mark.timeout(60)


def _qr_in_png(path: Path) -> list[str]:
    with Image.open(path) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def test_driver_uses_python_escpos_network(sim, profile) -> None:
    printer = open_printer(sim.tcp_uri, profile)
    assert isinstance(printer.transport, NetworkTransport)
    printer.transport.open()
    from escpos.printer import Network

    assert isinstance(printer.transport.printer, Network)
    printer.close()


def test_native_ticket_arrives_with_number_chinese_qr_and_cut(sim, profile, ticket) -> None:
    with open_printer(sim.tcp_uri, profile) as printer:
        result = printer.print_ticket(ticket)
    assert result.status.ready and result.warnings == ()
    [receipt] = sim.wait_for_receipts(1)
    assert "A001" in receipt.lines
    assert "市场监督管理局" in receipt.lines
    assert "前方等待：3 人" in receipt.lines
    assert receipt.qr_contents == [ticket.status_url]
    assert receipt.cut == "partial"
    png, txt = sim.png_path(0), sim.png_path(0).with_suffix(".txt")
    assert _qr_in_png(png) == [ticket.status_url]
    assert "A001" in txt.read_text(encoding="utf-8").splitlines()
    assert f"[QR] {ticket.status_url}" in txt.read_text(encoding="utf-8")


@pytest.mark.parametrize("qr", ["image", "native"])
def test_raster_ticket_arrives_as_paper_wide_images(sim, profile, ticket, qr: str) -> None:
    with open_printer(sim.tcp_uri, replace(profile, mode="raster", qr=qr)) as printer:
        printer.print_ticket(ticket)
    [receipt] = sim.wait_for_receipts(1)
    assert receipt.images and all(i.image.width == 576 for i in receipt.images)
    assert receipt.qr_contents == [ticket.status_url]
    with Image.open(sim.png_path(0)) as png:
        assert png.width == 576
    assert _qr_in_png(sim.png_path(0)) == [ticket.status_url]


def test_58mm_printer(tmp_path, ticket) -> None:
    with PrinterSimulator(tmp_path, width_dots=384) as narrow:
        narrow.serve_tcp()
        with open_printer(narrow.tcp_uri, PrinterProfile.mm58(qr="image")) as printer:
            printer.print_ticket(ticket)
        [receipt] = narrow.wait_for_receipts(1)
        with Image.open(narrow.png_path(0)) as png:
            assert png.width == 384
        assert receipt.qr_contents == [ticket.status_url]


def test_status_reports_online_and_paper(sim, profile) -> None:
    printer = open_printer(sim.tcp_uri, profile)
    assert printer.status().as_dict() == {"online": True, "paper": "ok", "code": "ok",
                                          "detail": "", "cover_open": False, "checked": True}
    sim.set_paper("near_end")
    status = printer.status()
    assert (status.online, status.paper, status.ready) == (True, "near_end", True)
    sim.set_paper("out")
    assert (printer.status().paper, printer.status().code) == ("out", "paper_out")


def test_near_end_prints_and_is_reported_as_a_warning(sim, profile, ticket) -> None:
    sim.set_paper("near_end")
    with open_printer(sim.tcp_uri, profile) as printer:
        result = printer.print_ticket(ticket)
    assert result.warnings == ("paper_near_end",)
    assert "A001" in sim.wait_for_receipts(1)[0].lines


@pytest.mark.parametrize(("make_state", "code"), [
    (lambda s: s.set_paper("out"), "paper_out"),
    (lambda s: s.set_cover(True), "cover_open"),
    (lambda s: s.set_online(False), "offline"),
    (lambda s: s.set_cutter_error(True), "printer_fault"),
])
def test_refused_before_the_job_nothing_lost(sim, profile, ticket, make_state, code) -> None:
    make_state(sim)
    printer = open_printer(sim.tcp_uri, profile)
    with pytest.raises(PrinterError) as err:
        printer.print_ticket(ticket)
    assert (err.value.code, err.value.details["stage"]) == (code, "before")
    assert sim.wait_idle() and sim.receipts == []
    assert sim.bytes_received == 3 * sim.status_queries  # status queries only, no job
    # The caller still holds the ticket: once the printer is fixed, it prints.
    sim.set_paper("ok")
    sim.set_cover(False)
    sim.set_online(True)
    sim.set_cutter_error(False)
    printer.print_ticket(ticket)
    assert "A001" in sim.wait_for_receipts(1)[0].lines


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
def test_printer_stopping_mid_job_is_reported(sim, profile, ticket, fault: str) -> None:
    sim.fail_after(200, fault)  # type: ignore[arg-type]
    with pytest.raises(PrinterError) as err:
        open_printer(sim.tcp_uri, profile).print_ticket(ticket)
    assert (err.value.code, err.value.details["stage"]) == (fault, "during")
    [partial] = sim.wait_for_receipts(1)
    assert partial.interrupted == fault and partial.cut is None


@pytest.mark.parametrize("fault", ["disconnect", "power_off"])
def test_connection_lost_mid_job_is_disconnected(sim, profile, ticket, fault: str) -> None:
    sim.fail_after(200, fault)  # type: ignore[arg-type]
    with pytest.raises(PrinterError) as err:
        open_printer(sim.tcp_uri, profile).print_ticket(ticket)
    assert err.value.code == "disconnected"
    assert sim.wait_for_receipts(1)[0].interrupted == fault


def test_powered_off_printer_is_unreachable_until_powered_on(sim, profile, ticket) -> None:
    printer = open_printer(sim.tcp_uri, profile)
    sim.power_off()
    status = printer.status()
    assert (status.online, status.code) == (False, "unreachable")
    with pytest.raises(PrinterError) as err:
        printer.print_ticket(ticket)
    assert err.value.code == "unreachable"
    sim.power_on()
    assert printer.status().ready
    printer.print_ticket(ticket)
    assert len(sim.wait_for_receipts(1)) == 1


def test_nothing_listening_is_unreachable(profile, ticket) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PrinterError) as err:
        open_printer(f"tcp://127.0.0.1:{port}", profile).print_ticket(ticket)
    assert err.value.code == "unreachable"


@pytest.fixture
def silent_printer() -> Iterator[str]:
    """Accepts connections and reads everything, but never answers a status query."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(0.1)
            conns.append(conn)
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_a_printer_that_never_answers_times_out(silent_printer, profile, ticket) -> None:
    printer = open_printer(silent_printer, replace(profile, status_timeout_s=0.3))
    with pytest.raises(PrinterError) as err:
        printer.print_ticket(ticket)
    assert (err.value.code, err.value.details["stage"]) == ("timeout", "before")
    assert printer.status().code == "timeout"


def test_start_listens_where_the_constructor_said(tmp_path, profile, ticket) -> None:
    sim = PrinterSimulator(out_dir=tmp_path, host="127.0.0.1", port=0)
    host, port = sim.start()
    try:
        assert (host, port) == ("127.0.0.1", sim.port)
        open_printer(f"tcp://127.0.0.1:{sim.port}", profile).print_ticket(ticket)
        assert "A001" in sim.wait_for_receipts(1)[0].lines
    finally:
        sim.stop()
