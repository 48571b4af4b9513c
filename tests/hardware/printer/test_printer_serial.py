"""Printing through python-escpos's Serial transport over a pty pair, and the other URIs."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest
from escpos.printer import Serial
from hallq.hardware.errors import PrinterError
from hallq.hardware.printer import PrinterSimulator, decode, open_printer, render_ticket
from hallq.hardware.printer.transports import FileTransport, SerialTransport
from hallq.hardware.printer.uri import transport_for

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def serial_sim(tmp_path: Path):
    with PrinterSimulator(tmp_path / "serial") as simulator:
        simulator.serve_pty()
        yield simulator


@pytest.mark.parametrize("mode", ["native", "raster"])
def test_ticket_over_a_pty_serial_line(serial_sim, profile, ticket, mode: str) -> None:
    uri = serial_sim.serial_uri + "?baudrate=19200"
    with open_printer(uri, replace(profile, mode=mode)) as printer:
        assert isinstance(printer.transport, SerialTransport)
        assert printer.status().ready
        printer.print_ticket(ticket)
        assert isinstance(printer.transport.printer, Serial)  # kept open: serial persists
    [receipt] = serial_sim.wait_for_receipts(1)
    assert receipt.qr_contents == [ticket.status_url]
    assert receipt.cut == "partial"
    if mode == "native":
        assert "A001" in receipt.lines and "市场监督管理局" in receipt.lines
    else:
        assert all(img.image.width == 576 for img in receipt.images)


def test_serial_paper_out_before_the_job(serial_sim, profile, ticket) -> None:
    serial_sim.set_paper("out")
    with open_printer(serial_sim.serial_uri, profile) as printer:
        with pytest.raises(PrinterError) as err:
            printer.print_ticket(ticket)
    assert err.value.code == "paper_out"
    assert serial_sim.wait_idle() and serial_sim.receipts == []


def test_serial_printer_losing_power_mid_job(serial_sim, profile, ticket) -> None:
    serial_sim.fail_after(300, "power_off")
    with open_printer(serial_sim.serial_uri, replace(profile, status_timeout_s=0.3)) as printer:
        with pytest.raises(PrinterError) as err:
            printer.print_ticket(ticket)
        assert err.value.code == "disconnected"
        assert printer.status().code == "timeout"  # a dead serial line is silent
        serial_sim.power_on()
        assert printer.status().ready


def test_file_uri_writes_the_job_and_cannot_read_status(tmp_path: Path, profile, ticket) -> None:
    target = tmp_path / "lp0"
    printer = open_printer(f"file://{target}", profile)
    assert isinstance(printer.transport, FileTransport)
    status = printer.status()
    assert (status.checked, status.paper, status.ready) == (False, "unknown", True)
    result = printer.print_ticket(ticket)
    printer.close()
    assert result.status.checked is False
    assert target.read_bytes() == render_ticket(ticket, profile)
    assert "A001" in decode(target.read_bytes())[0].lines


@pytest.mark.parametrize(("uri", "code"), [
    ("ftp://printer/", "unsupported"),
    ("tcp://", "bad_uri"),
    ("serial://", "bad_uri"),
    ("usb://nothex:0202", "bad_uri"),
    ("serial:///dev/ttyUSB0?baudrate=fast", "bad_uri"),
    ("cups://", "bad_uri"),
])
def test_bad_uris_are_typed_errors(uri: str, code: str) -> None:
    with pytest.raises(PrinterError) as err:
        transport_for(uri)
    assert err.value.code == code


def test_uri_options_reach_the_transport() -> None:
    transport = transport_for("serial:///dev/ttyS3?baudrate=19200&parity=e&timeout=2")
    assert isinstance(transport, SerialTransport)
    assert (transport.url, transport.baudrate, transport.timeout) == ("/dev/ttyS3", 19200, 2.0)
    assert transport.params["parity"] == "E"


@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed")
def test_usb_without_pyusb_is_unsupported(profile, ticket) -> None:
    printer = open_printer("usb://0416:5011", profile)
    with pytest.raises(PrinterError) as err:
        printer.print_ticket(ticket)
    assert err.value.code == "unsupported"
    assert printer.status().code == "unsupported"


@pytest.mark.skipif(importlib.util.find_spec("cups") is not None, reason="pycups is installed")
def test_cups_without_pycups_is_unsupported(profile, ticket) -> None:
    with pytest.raises(PrinterError) as err:
        open_printer("cups://KIOSK", profile).print_ticket(ticket)
    assert err.value.code == "unsupported"


def test_missing_serial_device_is_unreachable(profile, ticket) -> None:
    with pytest.raises(PrinterError) as err:
        open_printer("serial:///dev/does-not-exist", profile).print_ticket(ticket)
    assert err.value.code == "unreachable"
