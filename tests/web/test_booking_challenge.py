"""The booking page with the hall's verification question on: in a real Chromium the visitor
sees the sum, a wrong answer is refused in Chinese with a new sum, the right one books."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hallq.server.models import Appointment
from sqlalchemy import func, select

from tests.server.api.test_appointments import Clock
from tests.server.appointments.conftest import person
from tests.support.live import start_live_hall
from tests.web.test_booking_page import CHROMIUM_ARGS


@pytest.fixture
def booking(db, tmp_path):
    clock = Clock(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))   # Wednesday 10:00 in the hall
    live = start_live_hall(db, tmp_path, clock=clock, booking_challenge=True)
    with live.client("admin") as admin:
        admin.put("/appointments/config", json={"services": [{"code": "amr-001"}]}).raise_for_status()
    yield live
    live.server.stop()


def answer_to(question: str) -> int:
    found = re.fullmatch(r"(\d+) \+ (\d+) = \?", question.strip())
    assert found, question
    return int(found.group(1)) + int(found.group(2))


@pytest.mark.browser
def test_the_visitor_answers_the_sum_and_books(booking):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page.set_default_timeout(15_000)
            page.goto(booking.url + "/book")
            page.wait_for_selector("body[data-ready='1']")
            page.click(f"#services button[data-service-id='{booking.hall.services['amr-001']}']")
            page.click("#days button[data-day='2026-03-05']")
            page.click("#slots button[data-slot='09:00']")
            page.wait_for_selector("#challenge[data-asked='1']:not([hidden])")
            assert page.locator("#challenge").inner_text().startswith("请计算")
            page.fill("#name", "张三")
            page.fill("#id_number", person(1))
            page.fill("#phone", "13800138000")

            page.click("#submit")   # no answer yet: the page asks for one before sending
            assert page.locator("#error").inner_text() == "请填写算式的答案"

            question = page.locator("#challenge-question").inner_text()
            page.fill("#challenge-answer", str(answer_to(question) + 1))
            page.click("#submit")
            page.wait_for_selector("#challenge[data-asked='2']")   # a wrong answer used the sum up
            assert page.locator("#error").inner_text() == "算式答案不正确，请回答新的题目。"
            assert page.locator("#done").is_hidden()

            question = page.locator("#challenge-question").inner_text()
            page.fill("#challenge-answer", str(answer_to(question)))
            page.click("#submit")
            page.wait_for_selector("#done:not([hidden])")
            assert "预约成功" in page.locator("#done").inner_text()
            code = page.locator("#code").inner_text().strip()
        finally:
            browser.close()
    with booking.hall.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
        assert s.scalar(select(Appointment.code)) == code
