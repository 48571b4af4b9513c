"""A kiosk's printer runs out of paper and goes offline mid-morning: no ticket is lost (the
server issued it and it can be reprinted), and the floor manager is alerted."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from hallq.hardware.errors import PrinterError
from hallq.hardware.printer import PrinterSimulator, TicketPrint, open_printer

from hallq.client import EventStream, HallClient, new_key

from .support import wait_for

pytestmark = pytest.mark.timeout(60)


def _print(ticket: dict, hall_name: str) -> TicketPrint:
    """What a kiosk puts on paper for an issued ticket."""
    return TicketPrint(hall_name=hall_name, number=ticket["number"], department=ticket["queue"]["name_zh"],
                       service=ticket["queue"]["name_zh"], ahead=ticket["ahead"],
                       estimated_wait_s=ticket["estimated_wait_s"],
                       issued_at=datetime.fromisoformat(ticket["issued_at"]), status_url=ticket["status_url"])


def _take_number(kiosk: HallClient, printer, service: int, hall_name: str) -> tuple[dict, str]:
    """Issue, print, and report the printer's state to the server when printing fails."""
    ticket = kiosk.issue_ticket(service, key=new_key())
    try:
        printer.print_ticket(_print(ticket, hall_name))
        return ticket, "printed"
    except PrinterError as exc:
        state = {"paper_out": "out", "offline": "offline"}.get(exc.code, "error")
        kiosk.report_status(printer=state, online=True, detail=exc.code)
        return ticket, exc.code


def test_printer_out_of_paper_then_offline(live, tmp_path):
    service = live.hall.services["amr-001"]
    alerts: list[dict] = []
    lock = threading.Lock()

    def on_event(message):
        with lock:
            alerts.append(message)

    sim = PrinterSimulator(tmp_path / "receipts")
    sim.serve_tcp()
    manager_stream = EventStream(live.url, live.tokens["manager"], on_event, types=["device.status"]).start()
    kiosk = HallClient(live.url, live.tokens["kiosk"])
    manager = HallClient(live.url, live.tokens["manager"])
    clerk = HallClient(live.url, live.tokens["clerk"])
    printer = open_printer(sim.tcp_uri)
    try:
        assert manager_stream.connected.wait(10)
        hall_name = kiosk.hall()["name_zh"]
        kiosk.report_status(printer="ok")
        first, outcome = _take_number(kiosk, printer, service, hall_name)
        assert outcome == "printed"
        assert first["number"] in sim.wait_for_receipts(1)[0].lines

        # Mid-morning the roll runs out.
        sim.set_paper("out")
        second, outcome = _take_number(kiosk, printer, service, hall_name)
        assert outcome == "paper_out"
        assert len(sim.receipts) == 1            # nothing came out of the printer
        assert kiosk.ticket_status(second["token"])["status"] == "waiting"   # but the ticket is not lost
        assert wait_for(lambda: any(a["data"]["printer"] == "out" for a in alerts), 10)
        [mine] = [d for d in manager.get("/devices/status") if d["kind"] == "kiosk" and d["name"] == "test-kiosk"]
        assert mine["status"]["printer"] == "out"
        # The queue does not care: the unprinted ticket is called in its turn like any other.
        assert clerk.window_action(1, "call-next", key=new_key())["id"] == first["id"]
        clerk.window_action(1, "finish")
        assert clerk.window_action(1, "call-next", key=new_key())["id"] == second["id"]

        # Someone pulls the cable too.
        sim.set_paper("ok")
        sim.set_online(False)
        _, outcome = _take_number(kiosk, printer, service, hall_name)
        assert outcome == "offline"
        assert wait_for(lambda: any(a["data"]["printer"] == "offline" for a in alerts), 10)

        # Back online with a new roll: the lost ticket is reprinted, and the alert clears.
        sim.set_online(True)
        printer.print_ticket(_print(second, hall_name))
        kiosk.report_status(printer="ok")
        assert second["number"] in sim.wait_for_receipts(2)[1].lines
        assert wait_for(lambda: alerts[-1]["data"]["printer"] == "ok", 10)
        [mine] = [d for d in manager.get("/devices/status") if d["kind"] == "kiosk" and d["name"] == "test-kiosk"]
        assert mine["status"]["printer"] == "ok"
    finally:
        manager_stream.stop()
        printer.close()
        sim.close()
        kiosk.close()
        manager.close()
        clerk.close()
    assert [a["data"]["printer"] for a in alerts] == ["ok", "out", "offline", "ok"]
