"""The pages in Debian's Chromium (through Playwright) against a real hall server."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.live import PASSWORD, start_live_hall

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 # a hall's display PC is set up to play sound without a touch
                 "--autoplay-policy=no-user-gesture-required"]
XSS = "<img src=x onerror=alert(1)>"
expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, timeout=60_000)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield tab
    context.close()
    assert not problems, problems


class ShiftedClock:
    """The server's clock: real time moved ahead by ``offset``."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def wait_until(page: Page, expression: str, wanted: object, *, timeout_s: float) -> None:
    """Poll a page expression (the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout_s
    while page.evaluate(expression) != wanted:
        assert time.monotonic() < deadline, f"{expression} never became {wanted!r}"
        page.wait_for_timeout(200)


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#signin-form input[name=username]", username)
    page.fill("#signin-form input[name=password]", PASSWORD)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin")).to_be_hidden()


def test_display_shows_each_call_at_once_and_speaks_every_one(live, page):
    heard: list[str] = []
    page.on("response", lambda r: heard.append(r.url) if "/api/v1/announcements" in r.url and r.ok else None)
    page.goto(f"{live.url}/display?token={live.tokens['display']}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    assert "token" not in page.url   # kept in localStorage, out of the address bar
    assert page.evaluate("localStorage.getItem('hallq.display.token')") == live.tokens["display"]
    service = live.hall.services["amr-001"]
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk, live.client("counter") as counter, \
            live.client("manager") as manager:
        for _ in range(3):
            kiosk.post("/tickets", json={"service_id": service}).raise_for_status()
        with page.expect_response(lambda r: "/api/v1/announcements" in r.url and "number=A001" in r.url) as audio:
            assert clerk.post("/windows/1/call-next").json()["number"] == "A001"
            expect(page.locator("#latest-number")).to_have_text("A001", timeout=1000)
        assert audio.value.status == 200 and audio.value.headers["content-type"] == "audio/wav"
        assert "window=1" in audio.value.url and "lang=zh%2Cen" in audio.value.url
        expect(page.locator("#latest")).to_have_class("d-latest flash")
        expect(page.locator("#waiting li", has_text="企业登记").locator(".q-count")).to_have_text("2")

        # The connection drops; two calls happen meanwhile; the display catches up with both.
        page.evaluate("window.hallqDisplay.socket.close()")
        assert counter.post("/windows/2/call-next").json()["number"] == "A002"
        assert manager.post("/windows/3/call-next").json()["number"] == "A003"
        expect(page.locator("#recent tr")).to_have_count(3)
        expect(page.locator("#recent tr").first).to_contain_text("A003")
        expect(page.locator("#latest-number")).to_have_text("A003")
        expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    # Spoken one after another, in call order, never two at once.
    wait_until(page, "window.hallqDisplay.announced.length", 3, timeout_s=60)
    assert page.evaluate("window.hallqDisplay.announced") == ["A001@1", "A002@2", "A003@3"]
    assert [u.split("number=")[1][:4] for u in heard] == ["A001", "A002", "A003"]

    page.goto(f"{live.url}/display?layout=portrait")   # a TV's bookmark: no token in it
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    expect(page.locator("#display")).to_have_class("display layout-portrait")


def test_display_follows_the_server_after_a_gap_past_the_log(live, page):
    """A display whose last id the server never reached (the hall's database was reset)
    takes the server's ids from the gap on, even when it cannot reload at once."""
    hub = live.server.app.state.hub
    page.goto(f"{live.url}/display?token={live.tokens['display']}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.route("**/api/v1/snapshot*", lambda route: route.abort())   # the reload after the gap fails
    page.evaluate("window.hallqDisplay.lastId += 1000")
    page.evaluate("window.hallqDisplay.socket.close()")
    wait_until(page, "window.hallqDisplay.lastId", hub.last_id, timeout_s=15)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).raise_for_status()
        assert clerk.post("/windows/1/call-next").json()["number"] == "A001"
    expect(page.locator("#latest-number")).to_have_text("A001")
    wait_until(page, "window.hallqDisplay.lastId", hub.last_id, timeout_s=15)


def test_dashboard_shows_a_growing_queue_and_raises_alerts(db, tmp_path, page):
    clock = ShiftedClock()
    live = start_live_hall(db, tmp_path, clock=clock)
    try:
        invoices, food = live.hall.queues["tax-inv"], live.hall.queues["amr-food"]
        sign_in(page, live.url + "/manage", "manager")
        waiting = page.locator(f'tr[data-queue-id="{invoices}"] td.waiting')
        expect(waiting).to_have_text("0")
        with live.client("kiosk") as kiosk, live.client("manager") as manager:
            kiosk.post("/tickets", json={"service_id": live.hall.services["tax-001"]}).raise_for_status()
            expect(waiting).to_have_text("1")
            for _ in range(2):
                kiosk.post("/tickets", json={"service_id": live.hall.services["tax-001"]}).raise_for_status()
            expect(waiting).to_have_text("3")
            expect(page.locator('li[data-kind="window_idle"][data-id="3"]')).to_be_visible()
            over = page.locator(f'li[data-kind="queue_over_target"][data-id="{invoices}"]')
            expect(over).to_have_count(0)
            clock.offset = timedelta(minutes=15)   # the invoice queue's target is 10 minutes
            expect(over).to_be_visible()
            expect(page.locator(f'tr[data-queue-id="{invoices}"]')).to_have_class("queue over")

            kiosk.post("/devices/me/status", json={"printer": "near_end"}).raise_for_status()
            page.reload()
            expect(page.locator('li[data-kind="device_printer"]')).to_be_visible()

            # The manager moves C001 to the food-licence queue.
            form = page.locator("#transfer-form")
            form.locator("input[name=number]").fill("Z999")
            form.locator("button[type=submit]").click()
            expect(form.locator('[data-error-for="number"]')).not_to_be_empty()
            form.locator("input[name=number]").fill("C001")
            form.locator("select[name=queue_id]").select_option(str(food))
            form.locator("button[type=submit]").click()
            expect(page.locator("#transfer-ok")).not_to_be_empty()
            assert manager.get("/tickets", params={"number": "C001"}).json()[0]["queue"]["id"] == food
            expect(waiting).to_have_text("2")
    finally:
        live.server.stop()


def test_dashboard_shows_a_locked_account_and_the_manager_lifts_it(live, page):
    with live.client() as http:
        for i in range(11):
            http.post("/auth/login", json={"username": "clerk", "password": f"guess-{i}"})
    sign_in(page, live.url + "/manage", "manager")
    locked = page.locator('li[data-kind="sign_in_locked"][data-id="sign-in:account:clerk"]')
    expect(locked).to_contain_text("clerk")
    locked.locator("button.lift").click()
    expect(locked).to_have_count(0)
    with live.client() as http:
        assert http.post("/auth/login", json={"username": "clerk", "password": PASSWORD}).status_code == 200


def test_dashboard_shows_who_holds_a_window_and_releases_it(live, page):
    sign_in(page, live.url + "/manage", "manager")
    card = page.locator('article.window-card[data-window="1"]')
    expect(card.locator(".signed-in")).to_contain_text("C001")
    card.locator('button[data-action="release"]').click()
    expect(card.locator(".signed-in")).to_have_text("")
    with live.client("clerk") as clerk:
        assert clerk.get("/auth/me").json()["window_id"] is None


def test_admin_moves_a_window_to_other_queues_and_the_next_call_follows(live, page):
    registration, invoices = live.hall.queues["amr-reg"], live.hall.queues["tax-inv"]
    sign_in(page, live.url + "/admin", "admin")
    page.click('#tabs button[data-tab="windows"]')
    page.click('#table-windows button[data-edit="1"]')
    form = page.locator("#form-windows")
    form.locator(f'li[data-queue-id="{registration}"] button', has_text="×").click()
    form.locator("select[name=add-queue]").select_option(str(invoices))
    form.locator("button", has_text="添加").click()
    expect(form.locator("ol.routing li")).to_have_count(1)
    form.locator("button[type=submit]").click()
    expect(page.locator("#form-windows")).to_have_count(0)
    expect(page.locator('#table-windows tr[data-key="1"]')).to_contain_text("C")
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk, live.client("admin") as admin:
        assert [r["queue_id"] for r in admin.get("/windows/1").json()["queues"]] == [invoices]
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).raise_for_status()
        kiosk.post("/tickets", json={"service_id": live.hall.services["tax-001"]}).raise_for_status()
        assert clerk.post("/windows/1/call-next").json()["number"] == "C001"

    # A service item named like markup shows as text; nothing runs (the page fixture fails on a dialog).
    page.click('#tabs button[data-tab="services"]')
    page.click("#new-services")
    services = page.locator("#form-services")
    services.locator("input[name=code]").fill("xss-001")
    services.locator("input[name=name_zh]").fill(XSS)
    services.locator("select[name=queue_id]").select_option(str(registration))
    services.locator("button[type=submit]").click()
    expect(page.locator("#table-services td", has_text=XSS)).to_have_count(1)
    assert page.locator("img").count() == 0

    # A refusal is shown beside its field.
    page.click('#tabs button[data-tab="queues"]')
    page.click("#new-queues")
    queues = page.locator("#form-queues")
    queues.locator("input[name=code]").fill("dup")
    queues.locator("input[name=prefix]").fill("A")
    queues.locator("input[name=name_zh]").fill("重复前缀")
    queues.locator("button[type=submit]").click()
    expect(queues.locator('[data-error-for="prefix"]')).to_contain_text("已被占用")
    expect(queues.locator("input[name=prefix]")).to_have_attribute("aria-invalid", "true")


def test_a_clerk_cannot_open_admin_or_manager_pages(live, page):
    sign_in(page, live.url + "/admin", "clerk")
    expect(page.locator("#refused")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    expect(page.locator('#nav a[href="/admin"]')).to_be_hidden()
    page.goto(live.url + "/manage")
    expect(page.locator("#refused")).to_be_visible()
    with live.client("clerk") as clerk:
        assert clerk.get("/admin/catalog").status_code == 403
        assert clerk.patch("/hall", json={"notice_zh": "x"}).status_code == 403
        assert clerk.put("/windows/2/routing", json={"queue_ids": [1]}).status_code == 403


def test_reports_download_as_csv_and_xlsx(live, page):
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).raise_for_status()
        kiosk.post("/tickets", json={"service_id": live.hall.services["tax-001"]}).raise_for_status()
        clerk.post("/windows/1/call-next").raise_for_status()
        clerk.post("/windows/1/start").raise_for_status()
        clerk.post("/windows/1/finish").raise_for_status()
    sign_in(page, live.url + "/reports", "manager")
    expect(page.locator("#report tbody tr")).to_have_count(2)
    expect(page.locator("#report tfoot td").first).to_have_text("2")
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), "rb") as f:
        raw = f.read()
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert raw.startswith(b"\xef\xbb\xbf") and table[0][2] == "取号数"
    assert table[-1][1:4] == ["合计", "2", "1"]
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        sheet = openpyxl.load_workbook(io.BytesIO(f.read())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[-1][1:4] == ["合计", 2, 1]


def test_status_page_follows_the_ticket_and_cancels_it(live, page):
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).raise_for_status()
        mine = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).json()
        page.goto(f"{live.url}/t/{mine['token']}")
        expect(page.locator("#number")).to_have_text("A002")
        expect(page.locator("#ahead")).to_have_text("1")
        clerk.post("/windows/1/call-next").raise_for_status()
        expect(page.locator("#ahead")).to_have_text("0", timeout=15_000)   # the page polls every 5 s
        page.click("#cancel")
        page.click("#cancel-yes")
        expect(page.locator("#state")).to_have_class("s-state s-cancelled")
        with live.client() as anyone:
            assert anyone.get(f"/tickets/status/{mine['token']}").json()["status"] == "cancelled"
        clerk.post("/windows/1/finish").raise_for_status()
    page.goto(f"{live.url}/t/no-such-ticket-token")
    expect(page.locator("#missing")).to_be_visible()
    expect(page.locator("#ticket")).to_be_hidden()
