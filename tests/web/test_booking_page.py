"""The public booking page: served by the hall server, escaped, offline; and booked in a
real Chromium, then checked in at the kiosk over the API."""

from __future__ import annotations

import os
import re
import shutil
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hallq.server.models import Hall
from sqlalchemy import update

from tests.server.api.test_appointments import Clock
from tests.server.appointments.conftest import local, person
from tests.support.live import start_live_hall

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def booking(db, tmp_path):
    clock = Clock(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))   # Wednesday 10:00 in the hall
    live = start_live_hall(db, tmp_path, clock=clock)
    live.clock = clock
    with live.client("admin") as admin:
        admin.put("/appointments/config", json={"services": [{"code": "amr-001"}, {"code": "tax-001"}]}
                  ).raise_for_status()
    yield live
    live.server.stop()


def test_the_page_is_escaped_self_contained_and_bilingual(booking, db):
    with db.write() as s:
        s.execute(update(Hall).values(name_zh="<script>alert(1)</script>政务中心", name_en='A "hall" & <b>'))
    with booking.client() as http:
        page = http.get(booking.url + "/book")
        english = http.get(booking.url + "/book", params={"lang": "en"})
        script = http.get(booking.url + "/book/static/booking.js")
        missing = http.get(booking.url + "/book/static/../../app.py")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;政务中心" in page.text
    assert "&quot;hall&quot; &amp; &lt;b&gt;" in page.text
    assert '<html lang="zh-CN">' in page.text and '<html lang="en">' in english.text
    # Nothing is loaded from another host: the page works on a LAN without the internet.
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    assert "fetch(" in script.text and "innerHTML" not in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert missing.status_code == 404


@pytest.mark.browser
def test_book_in_chromium_then_check_in_at_the_kiosk(booking, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                    locale="zh-CN")
            page.set_default_timeout(15_000)
            page.goto(booking.url + "/book")
            page.wait_for_selector("body[data-ready='1']")
            assert page.locator("#step-service h2").inner_text().endswith("选择办理事项")
            page.click(f"#services button[data-service-id='{booking.hall.services['amr-001']}']")
            page.click("#days button[data-day='2026-03-05']")
            page.click("#slots button[data-slot='09:00']")
            page.fill("#name", "张三")
            page.fill("#id_number", person(1))
            page.fill("#phone", "13800138000")
            page.screenshot(path=str(tmp_path / "booking.png"), full_page=True)
            page.click("#submit")
            page.wait_for_selector("#done:not([hidden])")
            code = page.locator("#code").inner_text().strip()
            assert re.fullmatch(r"[2-9A-Z]{8}", code)
            wait_until(lambda: page.evaluate("() => { const qr = document.getElementById('qr');"
                                             " return qr.complete && qr.naturalWidth > 0; }"))
            assert "预约成功" in page.locator("#done").inner_text()
            assert "张*" in page.locator("#details").inner_text()
            page.screenshot(path=str(tmp_path / "booking-done.png"), full_page=True)
            page.click("#lang")
            assert page.locator("#done h2").inner_text() == "Booked"
        finally:
            browser.close()
    keep_screenshots(tmp_path, "booking.png", "booking-done.png")
    booking.clock.at = local(date(2026, 3, 5), "08:50")
    with booking.client("kiosk") as kiosk:
        answer = kiosk.post("/appointments/check-in", json={"code": code})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["priority"], answer.json()["number"]) == ("appointment", "A001")


def wait_until(predicate, timeout: float = 15) -> None:
    """Poll from Python: Playwright's wait_for_function evaluates strings in the page, which
    the page's Content-Security-Policy (rightly) forbids."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def keep_screenshots(source: Path, *names: str) -> None:
    """Refresh docs/screenshots when asked (HALLQ_SCREENSHOTS=1) or when missing, so an
    ordinary test run leaves the work tree as it was (the booking code differs every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in names:
        if os.environ.get("HALLQ_SCREENSHOTS") == "1" or not (SCREENSHOTS / name).exists():
            shutil.copyfile(source / name, SCREENSHOTS / name)
