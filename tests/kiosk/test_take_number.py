"""Taking a number with the kiosk's view-models against the demo hall on 127.0.0.1 and the
virtual printer on TCP: the receipt, retries that never make a second ticket, a printer
without paper."""

from __future__ import annotations

import pytest
from hallq.hardware.printer import PrinterSimulator
from hallq.kiosk.model import Issued, Refused
from hallq.kiosk.model.tickets import Step

from tests.support.proxy import FaultProxy

from .support import DemoHall, wait_for

pytestmark = pytest.mark.timeout(90)


def _first_department(kiosk, initials: str) -> dict:
    flow = kiosk.take_number
    flow.search(initials)
    found = flow.departments()
    assert found, initials
    return found[0]


def _to_confirm(kiosk, initials: str = "scjd") -> dict:
    """Department by pinyin initials, then its first service item."""
    flow = kiosk.take_number
    department = _first_department(kiosk, initials)
    services = flow.choose_department(department["id"])
    assert flow.step == Step.SERVICE and services
    return flow.choose_service(services[0]["id"])


def test_take_a_number_prints_the_ticket_with_number_chinese_and_qr(make_kiosk, printer_sim: PrinterSimulator,
                                                                      demo_hall: DemoHall) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    assert kiosk.can_issue
    service = _to_confirm(kiosk)
    flow = kiosk.take_number
    estimate = flow.refresh_estimate()
    assert estimate is not None and estimate.waiting >= 0
    before = demo_hall.ticket_count(service["id"])

    outcome = flow.confirm()

    assert isinstance(outcome, Issued) and outcome.printed.printed
    assert flow.step == Step.DONE
    assert outcome.ahead == estimate.waiting
    assert demo_hall.ticket_count(service["id"]) == before + 1
    [receipt] = printer_sim.wait_for_receipts(1)
    assert outcome.number in receipt.lines
    assert "湘江市政务服务中心" in receipt.lines
    assert "市场监督管理局" in receipt.lines
    assert service["name_zh"] in receipt.text
    assert f"前方等待：{outcome.ahead} 人" in receipt.lines
    assert receipt.qr_contents == [outcome.status_url]
    assert receipt.cut == "partial"
    with demo_hall.client() as http:
        [ticket] = http.get("/tickets", params={"number": outcome.number}).json()
    assert ticket["id"] == outcome.ticket_id and ticket["status"] == "waiting"


def test_elderly_priority_and_masked_id_number(make_kiosk, printer_sim: PrinterSimulator,
                                               demo_hall: DemoHall) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    _to_confirm(kiosk, "gaj")
    flow = kiosk.take_number
    assert flow.allowed_priorities() == ("normal", "elderly")
    assert not flow.set_priority("green")           # given at the desk only
    assert flow.set_priority("elderly")
    assert flow.set_id_number("11010519491231002x").ok
    assert flow.id_masked == "110105********002X"
    assert flow.set_phone("138-0013-8000").ok

    outcome = flow.confirm()

    assert isinstance(outcome, Issued) and outcome.priority == "elderly"
    assert outcome.id_masked == "110105********002X" and outcome.phone_masked == "138****8000"
    [receipt] = printer_sim.wait_for_receipts(1)
    assert "老年人优先 Elderly priority" in receipt.lines
    assert "19491231" not in receipt.text
    # The same person cannot hold two tickets in one queue.
    again = kiosk.take_number
    again.reset()
    _to_confirm(kiosk, "gaj")
    again.set_id_number("11010519491231002X")
    refused = again.confirm()
    assert isinstance(refused, Refused) and refused.code == "person_limit" and not refused.retry
    assert not again.keyed.pending


def test_lost_answer_is_asked_again_with_the_same_key_and_makes_one_ticket(
        make_kiosk, printer_sim: PrinterSimulator, demo_hall: DemoHall, proxy: FaultProxy) -> None:
    kiosk = make_kiosk(url=proxy.url, printer=printer_sim.tcp_uri)
    service = _to_confirm(kiosk)
    before = demo_hall.ticket_count(service["id"])
    proxy.lose_answer(b"POST /api/v1/tickets")

    outcome = kiosk.take_number.confirm()

    assert proxy.lost == 1
    assert isinstance(outcome, Issued) and outcome.replayed
    assert demo_hall.ticket_count(service["id"]) == before + 1
    [receipt] = printer_sim.wait_for_receipts(1)
    assert outcome.number in receipt.lines


def test_retry_after_the_server_vanished_mid_request_makes_one_ticket(
        make_kiosk, printer_sim: PrinterSimulator, demo_hall: DemoHall, proxy: FaultProxy) -> None:
    kiosk = make_kiosk(url=proxy.url, printer=printer_sim.tcp_uri)
    service = _to_confirm(kiosk)
    flow = kiosk.take_number
    before = demo_hall.ticket_count(service["id"])
    # The server takes the request, then the network goes: the client's own retries fail.
    proxy.lose_answer(b"POST /api/v1/tickets", go_down=True)

    first = flow.confirm()

    assert isinstance(first, Refused) and first.code == "unreachable" and first.retry
    assert flow.keyed.pending
    assert kiosk.notices()[0].key == "status.offline"
    assert demo_hall.ticket_count(service["id"]) == before + 1   # issued, but the kiosk does not know

    proxy.up()
    second = flow.confirm()   # the visitor touches "Try again"

    assert isinstance(second, Issued) and second.replayed
    assert demo_hall.ticket_count(service["id"]) == before + 1
    assert not flow.keyed.pending
    assert kiosk.connection.online
    [receipt] = printer_sim.wait_for_receipts(1)
    assert second.number in receipt.lines


def test_a_changed_request_gets_a_new_key(make_kiosk, demo_hall: DemoHall, proxy: FaultProxy) -> None:
    kiosk = make_kiosk(url=proxy.url)
    _to_confirm(kiosk)
    flow = kiosk.take_number
    proxy.down()
    assert isinstance(flow.confirm(), Refused)
    first_key = flow.keyed.key
    assert isinstance(flow.confirm(), Refused)
    assert flow.keyed.key == first_key
    flow.set_priority("elderly")
    assert isinstance(flow.confirm(), Refused)
    assert flow.keyed.key != first_key
    flow.reset()   # the visitor walked away: the next one starts afresh
    assert flow.keyed.key is None


def test_out_of_paper_still_shows_the_ticket_and_reports_the_printer(make_kiosk, printer_sim: PrinterSimulator,
                                                                     demo_hall: DemoHall) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    kiosk.reporter.start()
    wait_for(lambda: demo_hall.device_status().get("printer") == "ok")
    _to_confirm(kiosk)
    printer_sim.set_paper("out")

    outcome = kiosk.take_number.confirm()

    assert isinstance(outcome, Issued)                 # the number exists and is on screen
    assert not outcome.printed.printed and outcome.printed.code == "paper_out"
    assert outcome.printed.message_key == "status.printer.out"
    assert printer_sim.receipts == []
    assert "status.printer.out" in [n.key for n in kiosk.notices()]
    status = wait_for(lambda: (s := demo_hall.device_status()).get("printer") == "out" and s)
    assert status["online"] is True and "paper_out" in status["detail"]

    printer_sim.set_paper("ok")                        # someone loads paper
    assert kiosk.poll_printer() == "ok"
    assert kiosk.notices() == []
    wait_for(lambda: demo_hall.device_status().get("printer") == "ok")


def test_without_a_printer_the_ticket_is_shown(make_kiosk) -> None:
    kiosk = make_kiosk()
    _to_confirm(kiosk)
    outcome = kiosk.take_number.confirm()
    assert isinstance(outcome, Issued) and not outcome.printed.printed
    assert outcome.printed.code == "no_printer"
    assert kiosk.notices() == []   # a kiosk without a printer is not a fault


def test_departments_by_category_initials_and_chinese_text(make_kiosk) -> None:
    kiosk = make_kiosk()
    flow = kiosk.take_number
    assert len(flow.departments()) == 41
    categories = kiosk.catalog.categories
    assert len(categories) == 9
    flow.choose_category(categories[1]["id"])
    in_market = flow.departments()
    assert in_market and all(d["category_id"] == categories[1]["id"] for d in in_market)
    flow.choose_category(None)
    flow.search("gaj")
    assert [d["name_zh"] for d in flow.departments()][0] == "公安局"
    flow.search("税务")
    assert any(d["name_zh"] == "税务局" for d in flow.departments())
    flow.search("qqqqqq")
    assert flow.departments() == []
    counts = {d["id"]: kiosk.catalog.waiting_in(d["id"]) for d in kiosk.catalog.departments}
    assert all(n >= 0 for n in counts.values())


def test_paper_near_end_prints_and_warns(make_kiosk, printer_sim: PrinterSimulator) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    printer_sim.set_paper("near_end")
    _to_confirm(kiosk)
    outcome = kiosk.take_number.confirm()
    assert isinstance(outcome, Issued) and outcome.printed.printed and outcome.printed.state == "near_end"
    [notice] = kiosk.notices()
    assert (notice.key, notice.level) == ("status.printer.near_end", "warning")
    printer_sim.set_cover(True)
    assert kiosk.poll_printer() == "error"
    assert [n.key for n in kiosk.notices()] == ["status.printer.error"]
    printer_sim.close()                       # unplugged
    assert kiosk.poll_printer() == "offline"
