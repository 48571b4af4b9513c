"""The real Kivy kiosk under Xvfb, touched through its main flows: take a number, English
and large text, a guide, a credit record, appointment check-in, a printer without paper,
the server going away and coming back, a locked window, portrait. The test asserts on what
the app reports (screen, texts, its view-model's state), on the server (tickets, device
status) and on the virtual printer (receipts). Screenshots refresh docs/screenshots/kiosk-*.png
when asked (HALLQ_SCREENSHOTS=1) or when missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from hallq.hardware.idcard import IdCardReaderSimulator, sample_card
from hallq.hardware.printer import PrinterSimulator
from hallq.kiosk.model import Strings
from PIL import Image

from tests.support.proxy import FaultProxy
from tests.support.screenshots import screenshot_path
from tests.support.xvfb import virtual_screen

from .support import DemoHall, KioskProcess, wait_for
from .test_guides_credit import listed_company

pytestmark = [pytest.mark.ui, pytest.mark.timeout(300)]

ZH, EN = Strings("zh"), Strings("en")


@dataclass
class Ui:
    app: KioskProcess
    printer: PrinterSimulator
    proxy: FaultProxy
    hall: DemoHall
    workdir: Path
    card: IdCardReaderSimulator

    def home(self) -> dict:
        self.app.tap("home") if self.app.state()["screen"] != "home" else None
        return self.app.screen("home")

    def shot(self, name: str) -> Path:
        """The screen as a PNG (in the test's folder), copied where the README's pictures go."""
        taken = self.app.screenshot(f"kiosk-{name}")
        shutil.copyfile(taken, screenshot_path(f"kiosk-{name}.png"))
        return taken


@pytest.fixture(scope="module")
def ui(demo_hall: DemoHall, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    workdir = tmp_path_factory.mktemp("kiosk-ui")
    printer = PrinterSimulator()
    printer.serve_tcp("127.0.0.1", 0)
    proxy = FaultProxy(demo_hall.server.port).up()
    card = IdCardReaderSimulator()
    try:
        with virtual_screen(1280, 1280) as env:
            app = KioskProcess(env, url=proxy.url, token=demo_hall.kiosk_token, printer=printer.tcp_uri,
                               workdir=workdir, screenshot_dir=workdir / "shots",
                               extra=["--read-aloud-dir", str(workdir / "speech"), "--id-card-reader", card.url])
            try:
                app.connect()
                app.wait(lambda s: s["kiosk"]["link"] == "online" and s["kiosk"]["catalog"]["departments"] == 41
                         and s["texts"]["hall_name"] == "湘江市政务服务中心", timeout=60)
                yield Ui(app, printer, proxy, demo_hall, workdir, card)
            finally:
                app.stop()
    finally:
        proxy.down()
        printer.close()
        card.close()


def _qr_on_screen(path: Path) -> list[str]:
    with Image.open(path) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


def _take_to_confirm(ui: Ui, department: str = "dept-2") -> dict:
    app = ui.app
    ui.home()
    app.tap("take_number")
    app.screen("departments")
    app.tap(department)
    state = app.screen("services")
    first = next(tid for tid in state["texts"] if tid.startswith("service-"))
    app.tap(first)
    return app.wait(lambda s: s["screen"] == "confirm" and s["kiosk"]["take_number"]["estimate"] is not None)


def test_take_a_number_by_touch(ui: Ui) -> None:
    app, hall = ui.app, ui.hall
    home = ui.home()
    assert home["texts"]["take_number"].startswith(ZH.t("home.take_number"))
    assert home["texts"]["hall_name"] == "湘江市政务服务中心"
    ui.shot("home")
    app.tap("take_number")
    state = app.screen("departments")
    assert sum(t.startswith("dept-") for t in state["texts"]) == 9     # a page of 3 x 3
    ui.shot("departments")
    app.tap("dept_search")
    app.screen("entry")
    app.type("scjd")
    app.tap("entry_done")
    state = app.wait(lambda s: s["screen"] == "departments" and s["kiosk"]["take_number"]["query"] == "scjd")
    assert [v.split("\n")[0] for k, v in state["texts"].items() if k.startswith("dept-")] == ["市场监督管理局"]
    app.tap("dept-2")
    state = app.screen("services")
    assert state["texts"]["services_title"] == "市场监督管理局"
    first = next(tid for tid in sorted(state["texts"]) if tid.startswith("service-"))
    app.tap(first)
    state = app.wait(lambda s: s["screen"] == "confirm" and s["kiosk"]["take_number"]["estimate"] is not None)
    service_id = state["kiosk"]["take_number"]["service_id"]
    waiting = state["kiosk"]["take_number"]["estimate"]["waiting"]
    assert state["texts"]["confirm_ahead"] == ZH.t("confirm.ahead", count=waiting)

    # A wrong check character is refused next to the field and never reaches the server.
    app.tap("add_id")
    app.screen("entry")
    app.type("110105194912310021")
    app.tap("entry_done")
    state = app.wait(lambda s: s["texts"].get("entry_error"))
    assert state["screen"] == "entry" and state["texts"]["entry_error"] == ZH.t("field.id_number.check")
    assert state["texts"]["entry_text"] == "110105 19491231 0021"
    ui.shot("id-error")
    app.tap("key-back")
    app.tap("key-X")
    app.tap("entry_done")
    state = app.screen("confirm")
    assert state["texts"]["confirm_id"] == "110105********0021"[:14] + "002X"
    ui.shot("confirm")
    before = hall.ticket_count(service_id)
    receipts = len(ui.printer.receipts)

    app.tap("take")

    state = app.screen("ticket")
    number = state["texts"]["ticket_number"]
    outcome = state["kiosk"]["take_number"]["outcome"]
    assert outcome["number"] == number and outcome["printed"] is True
    assert state["texts"]["ticket_print"] == ZH.t("ticket.printed")
    assert hall.ticket_count(service_id) == before + 1
    [receipt] = ui.printer.wait_for_receipts(receipts + 1)[receipts:]
    assert number in receipt.lines and "110105********002X" not in receipt.text
    assert receipt.qr_contents == [outcome["status_url"]]
    shot = ui.shot("ticket")
    assert _qr_on_screen(shot) == [outcome["status_url"]]      # the code on screen reads back
    app.tap("ticket_done")
    state = app.screen("home")
    assert state["kiosk"]["take_number"]["id_masked"] == ""      # the next visitor sees nothing of it


def test_english_one_touch_away_and_large_text(ui: Ui) -> None:
    app = ui.home()
    ui.app.tap("lang")
    state = ui.app.wait(lambda s: s["lang"] == "en")
    assert state["texts"]["take_number"].startswith(EN.t("home.take_number"))
    assert state["texts"]["lang"] == "中文"
    ui.shot("home-en")
    ui.app.tap("lang")
    ui.app.wait(lambda s: s["lang"] == "zh")

    ui.app.tap("elder")
    state = ui.app.wait(lambda s: s["kiosk"]["elder"])
    assert state["font_scale"] >= 2.0 and state["texts"]["elder"] == ZH.t("elder.off")
    assert state["kiosk"]["target_scale"] >= 2.0
    assert "lang" not in state["texts"] and "clock" not in state["texts"]       # fewer choices up top
    assert state["texts"]["help"] == ZH.t("elder.help") and "help" not in state["disabled"]
    ui.app.tap("take_number")
    # The kind of matter first, four large tiles a page; no column of small category buttons.
    state = ui.app.screen("departments")
    tiles = [t for t in state["texts"] if t.startswith("ecat-")]
    assert len(tiles) == 4 and "ecat-all" in tiles and state["texts"]["ecat-all"] == ZH.t("dept.all")
    assert not any(t.startswith("dept-") for t in state["texts"])
    ui.shot("elder-categories")
    # Read aloud: the screen's title and its choices, spoken by espeak-ng into the test's folder.
    ui.app.tap("read")
    state = ui.app.wait(lambda s: s["kiosk"]["spoken"])
    spoken = state["kiosk"]["spoken"]
    assert spoken.startswith(ZH.t("dept.title")) and ZH.t("dept.all") in spoken
    ui.app.tap("ecat-all")
    state = ui.app.wait(lambda s: sum(t.startswith("dept-") for t in s["texts"]) == 4)   # fewer, larger tiles
    ui.shot("elder")
    # Help me: the floor staff are called (a live event on the server), once per visitor.
    ui.app.tap("help")
    state = ui.app.wait(lambda s: s["kiosk"]["help"] == "called")
    assert state["texts"]["help_message"] == ZH.t("help.called")
    ui.app.tap("help")
    state = ui.app.wait(lambda s: s["kiosk"]["help"] == "called" and s["texts"]["help_message"]
                        == ZH.t("help.error.already_called"))
    wavs = sorted((ui.workdir / "speech").glob("*.wav")) if shutil.which("espeak-ng") else []
    assert not shutil.which("espeak-ng") or (wavs and wavs[0].read_bytes()[:4] == b"RIFF")
    ui.app.tap("back")                                   # back to the kinds of matter first
    state = ui.app.wait(lambda s: any(t.startswith("ecat-") for t in s["texts"])
                        and not any(t.startswith("dept-") for t in s["texts"]))
    ui.app.tap("elder")
    state = ui.app.wait(lambda s: not s["kiosk"]["elder"])
    assert sum(t.startswith("dept-") for t in state["texts"]) == 9
    assert app["screen"] == "home"


def test_check_in_by_id_card(ui: Ui) -> None:
    app = ui.app
    ui.home()
    app.tap("check_in")
    state = app.screen("checkin")
    assert state["texts"]["checkin_card"].startswith(ZH.t("idcard.swipe"))
    app.tap("checkin_card")                                      # nothing on the reader
    state = app.wait(lambda s: s["texts"].get("checkin_card_message"))
    assert state["texts"]["checkin_card_message"] == ZH.t("idcard.error.no_card")
    ui.card.place(sample_card("430102199003070936"))
    ui.card.fault = "cut"                                        # the answer stops part-way
    app.tap("checkin_card")
    state = app.wait(lambda s: s["texts"].get("checkin_card_message") == ZH.t("idcard.error.timeout"))
    assert state["screen"] == "checkin" and state["kiosk"]["check_in"]["value"] == ""      # nothing filled
    ui.card.fault = None
    app.tap("checkin_card")
    state = app.wait(lambda s: s["screen"] == "entry")
    assert state["kiosk"]["check_in"]["mode"] == "id_number"
    assert state["kiosk"]["check_in"]["value"] == "430102********0936"
    assert state["kiosk"]["id_card"]["last"] == {"ok": True, "code": ""}
    ui.card.remove()
    app.tap("entry_cancel")
    ui.home()


def test_read_a_guide_print_its_checklist_and_take_a_number_for_it(ui: Ui) -> None:
    app = ui.app
    ui.home()
    app.tap("guides")
    app.screen("guides")
    app.tap("guide_search")
    app.screen("entry")
    app.type("yyzz")
    app.tap("entry_done")
    state = app.wait(lambda s: s["screen"] == "guides" and s["kiosk"]["guides"]["query"] == "yyzz")
    [tid] = [t for t in state["texts"] if t.startswith("guide-")]
    assert state["texts"][tid].startswith("营业执照遗失补领、换发")
    app.tap(tid)
    state = app.screen("guide")
    assert state["texts"]["guide_name"] == "营业执照遗失补领、换发"
    headings = {v for k, v in state["texts"].items() if k.startswith("section-")}
    assert {ZH.t("guide.materials"), ZH.t("guide.conditions"), ZH.t("guide.process"), ZH.t("guide.time_limit"),
            ZH.t("guide.fee"), ZH.t("guide.legal_basis"), ZH.t("guide.where")} <= headings
    ui.shot("guide")
    receipts = len(ui.printer.receipts)
    app.tap("guide_print")
    state = app.wait(lambda s: s["texts"].get("guide_printed"))
    assert state["texts"]["guide_printed"] == ZH.t("guide.printed")
    [receipt] = ui.printer.wait_for_receipts(receipts + 1)[receipts:]
    assert "办事材料清单" in receipt.lines and any("营业执照" in line for line in receipt.lines)
    app.tap("guide_take")
    state = app.screen("confirm")
    assert state["texts"]["confirm_service"].endswith("营业执照遗失补领、换发")


def test_look_up_a_company_and_print_its_summary(ui: Ui) -> None:
    app = ui.app
    code = listed_company(ui.hall)
    ui.home()
    app.tap("credit")
    app.screen("credit")
    app.tap("credit_input")
    app.screen("entry")
    app.type(code)
    app.tap("entry_done")
    state = app.wait(lambda s: s["screen"] == "credit" and s["kiosk"]["credit"]["results"] == 1)
    assert state["texts"]["credit_message"] == ZH.t("credit.results", count=1)
    app.tap(f"company-{code}")
    state = app.screen("company")
    texts = state["texts"]
    assert any(code in v for k, v in texts.items() if k.startswith("credit_registration-"))
    lists = [v for k, v in texts.items() if k.startswith("credit_lists-")]
    assert len(lists) == 3 and any(ZH.t("credit.listed") in v or "列入" in v for v in lists)
    assert texts["credit_penalties"].startswith("行政处罚")
    ui.shot("credit")
    receipts = len(ui.printer.receipts)
    app.tap("credit_print")
    app.wait(lambda s: s["texts"].get("credit_printed") == ZH.t("credit.printed"))
    [receipt] = ui.printer.wait_for_receipts(receipts + 1)[receipts:]
    assert "企业信用信息查询结果" in receipt.lines and any(code in line for line in receipt.lines)


def test_check_in_with_an_unknown_booking_code_says_why(ui: Ui) -> None:
    app = ui.app
    ui.home()
    app.tap("check_in")
    app.screen("checkin")
    app.tap("checkin_code")
    app.screen("entry")
    app.type("ABC")
    app.tap("entry_done")
    state = app.wait(lambda s: s["texts"].get("entry_error"))
    assert state["texts"]["entry_error"] == ZH.t("field.booking_code.shape")
    app.type("D2345")
    app.tap("entry_done")
    state = app.wait(lambda s: s["texts"].get("entry_error") == ZH.t("error.unknown_appointment"))
    assert state["kiosk"]["check_in"]["outcome"] == {"refused": "unknown_appointment", "retry": False}
    ui.shot("checkin")


def test_printer_out_of_paper_shows_the_ticket_and_tells_the_server(ui: Ui) -> None:
    app, hall = ui.app, ui.hall
    ui.printer.set_paper("out")
    state = app.wait(lambda s: "status.printer.out" in s["kiosk"]["notices"] and s["texts"].get("notice"))
    assert ZH.t("status.printer.out") in state["texts"]["notice"] and EN.t("status.printer.out") in state["texts"]["notice"]
    wait_for(lambda: hall.device_status().get("printer") == "out")
    receipts = len(ui.printer.receipts)
    _take_to_confirm(ui)
    app.tap("take")
    state = app.screen("ticket")
    assert state["texts"]["ticket_number"] == state["kiosk"]["take_number"]["outcome"]["number"]
    assert state["texts"]["ticket_print"] == ZH.t("ticket.not_printed")
    assert state["kiosk"]["take_number"]["outcome"]["print_code"] == "paper_out"
    shot = ui.shot("printer-out")
    assert _qr_on_screen(shot) == [state["kiosk"]["take_number"]["outcome"]["status_url"]]
    assert len(ui.printer.receipts) == receipts

    ui.printer.set_paper("ok")
    app.wait(lambda s: s["kiosk"]["notices"] == [] and not s["texts"].get("notice"))
    wait_for(lambda: hall.device_status().get("printer") == "ok")
    app.tap("ticket_done")


def test_server_down_then_back(ui: Ui) -> None:
    app = ui.app
    ui.home()
    app.wait(lambda s: s["kiosk"]["catalog"]["guides"] == 363, timeout=60)   # kept while the server answered
    ui.proxy.down()
    state = app.wait(lambda s: "status.offline" in s["kiosk"]["notices"] and s["texts"].get("notice"))
    notice = state["texts"]["notice"]
    assert ZH.t("status.offline") in notice and EN.t("status.offline") in notice
    assert ZH.t("status.offline.hint") in notice
    assert {"take_number", "check_in", "credit"} <= set(state["disabled"]) and "guides" not in state["disabled"]
    ui.shot("offline")
    # Guides still open, from the copy.
    app.tap("guides")
    app.screen("guides")
    app.tap("gdept-2")
    state = app.wait(lambda s: s["kiosk"]["guides"]["department_id"] == 2)
    assert state["kiosk"]["guides"]["cached"]
    tid = next(t for t in sorted(state["texts"]) if t.startswith("guide-"))
    app.tap(tid)
    state = app.screen("guide")
    assert state["texts"].get("guide_cached") == ZH.t("guides.cached")
    assert "guide_take" in state["disabled"]

    ui.proxy.up()
    state = app.wait(lambda s: s["kiosk"]["link"] == "online" and "status.offline" not in s["kiosk"]["notices"],
                     timeout=30)
    state = ui.home()
    assert "take_number" not in state["disabled"]
    _take_to_confirm(ui)
    app.tap("take")
    assert app.screen("ticket")["kiosk"]["take_number"]["outcome"]["printed"] is True
    app.tap("ticket_done")


def test_the_window_cannot_be_closed_and_portrait_works(ui: Ui) -> None:
    app = ui.app
    ui.home()
    assert app.call("close") == {"ok": True, "refused": True}
    assert app.state()["screen"] == "home"            # still running
    assert app.call("resize", width=720, height=1280)["ok"]
    state = app.wait(lambda s: s["portrait"])
    ui.shot("portrait")
    app.tap("take_number")
    state = app.screen("departments")
    assert sum(t.startswith("dept-") for t in state["texts"]) == 10    # 2 x 5 in portrait
    ui.shot("portrait-departments")
    assert app.call("resize", width=1280, height=800)["ok"]
    app.wait(lambda s: not s["portrait"])
    ui.home()
