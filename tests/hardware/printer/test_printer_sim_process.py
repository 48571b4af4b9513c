"""``hallq printer-sim`` as a separate process, driven through its control port,
stdin and signals."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from hallq.hardware.control import send_command
from hallq.hardware.errors import PrinterError
from hallq.hardware.printer import open_printer

pytestmark = pytest.mark.timeout(60)


def test_printer_sim_process(tmp_path: Path, hallq_process, profile, ticket) -> None:
    out = tmp_path / "out"
    proc = hallq_process("printer-sim", "--port", "0", "--out", str(out), "--control-port",
                         "0", "--pty")
    uri = proc.wait_for(r"listening on (tcp://\S+)").group(1)
    serial_uri = proc.wait_for(r"serial printer on (serial://\S+)").group(1)
    control = proc.wait_for(r"control on (\S+):(\d+)")
    address = (control.group(1), int(control.group(2)))

    def receipts_written(count: int) -> None:
        deadline = time.monotonic() + 10
        while send_command(address, "receipts") != f"ok {count}":
            assert time.monotonic() < deadline, "receipts not written"
            time.sleep(0.05)

    printer = open_printer(uri, profile)
    printer.print_ticket(ticket)
    receipts_written(1)
    assert (out / "receipt-0001.png").exists()
    assert "A001" in (out / "receipt-0001.txt").read_text(encoding="utf-8").splitlines()

    assert send_command(address, "paper out").startswith("ok ")
    with pytest.raises(PrinterError) as err:
        printer.print_ticket(ticket)
    assert err.value.code == "paper_out"

    proc.send("paper near_end")  # stdin takes the same commands
    proc.wait_for(r'"paper": "near_end"')
    assert printer.print_ticket(ticket).warnings == ("paper_near_end",)

    proc.proc.send_signal(signal.SIGUSR2)  # toggles online
    proc.wait_for(r"^offline$")
    assert printer.status().code == "offline"
    proc.proc.send_signal(signal.SIGUSR2)
    proc.wait_for(r"^online$")

    with open_printer(serial_uri, profile) as serial_printer:
        serial_printer.print_ticket(ticket)
    receipts_written(3)
    assert "unknown command" in send_command(address, "fly away")
    assert proc.stop() == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["receipt-0001.png", "receipt-0002.png",
                                                         "receipt-0003.png"]
