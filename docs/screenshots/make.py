"""Screenshots of the web pages for the README, taken in Debian's Chromium.

Run from the repository root:  .venv/bin/python docs/screenshots/make.py

It seeds the demo hall (41 departments, 125 windows) into a temporary SQLite database,
plays a morning of 9:00-10:40 through the use cases (tickets, calls, services, no-shows,
evaluations, a paused window, a kiosk low on paper), serves it on 127.0.0.1 with the
clock at 10:40 and saves display-landscape.png, display-portrait.png, dashboard.png,
reports.png, admin.png and status.png beside this file.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hallq.server.cli import DEMO_ACCOUNTS, seed_demo  # noqa: E402
from hallq.server.db import Database, upgrade  # noqa: E402
from hallq.server.engine import QueueError  # noqa: E402
from hallq.server.models import Device, Evaluation, Queue, ServiceItem, Ticket, Window  # noqa: E402
from hallq.server.services import accounts  # noqa: E402
from hallq.server.services import tickets as tc  # noqa: E402
from hallq.server.services import windows as wc  # noqa: E402
from hallq.server.services.actors import SYSTEM, device_actor  # noqa: E402
from hallq.server.settings import Settings  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.support.live import LiveServer  # noqa: E402

OUT = Path(__file__).resolve().parent
START = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)     # Wednesday 09:00 in the hall
NOW = START + timedelta(minutes=100)                # 10:40
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
                 "--autoplay-policy=no-user-gesture-required"]


def play_morning(db: Database, kiosk_id: int, rng: random.Random) -> str:
    """Tickets arrive (peaking towards 10:30), open windows call, serve and finish; returns
    the status token of a ticket still waiting at 10:40."""
    kiosk = device_actor(kiosk_id, "kiosk")
    with db.read() as s:
        services = [x.id for x in s.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)))]
        busy = services[:40]   # the popular items: most visitors come for a few services
        numbers = list(s.scalars(select(Window.number).order_by(Window.number)))
    paused = set(rng.sample(numbers[10:], 12))
    serving: dict[int, datetime] = {}
    waiting_token = ""
    for minute in range(100):
        at = START + timedelta(minutes=minute)
        with db.write() as s:
            if minute == 30:
                for n in paused:
                    wc.pause_window(s, n, "午休轮换" if n % 2 else "临时离开", actor=SYSTEM, now=at)
            for _ in range(rng.randint(3, 5 + minute // 15)):
                pick = rng.choice(busy) if rng.random() < 0.5 else rng.choice(services)
                try:
                    with s.begin_nested():   # a queue at its daily quota refuses; the morning goes on
                        ticket, _ = tc.issue_ticket(s, pick, actor=kiosk, secret=b"screenshots",
                                                    now=at + timedelta(seconds=rng.randint(0, 59)))
                    waiting_token = ticket.token
                except QueueError:
                    pass
            for n in numbers:
                if n in paused and minute >= 30:
                    continue
                if n in serving and at >= serving[n]:
                    if rng.random() < 0.07:
                        wc.no_show(s, n, actor=SYSTEM, now=at)
                    else:
                        wc.start(s, n, actor=SYSTEM, now=at - timedelta(minutes=4))
                        wc.finish(s, n, actor=SYSTEM, now=at)
                    del serving[n]
                if n not in serving and rng.random() < 0.5:
                    called, _ = wc.call_next(s, n, actor=SYSTEM, now=at)
                    if called is not None:
                        serving[n] = at + timedelta(minutes=rng.randint(4, 14))
        if minute % 20 == 0:
            print(f"  {at.astimezone().strftime('%H:%M')} UTC simulated", flush=True)
    with db.write() as s:
        done = s.scalars(select(Ticket).where(Ticket.status == "done")).all()
        for t in done:
            if rng.random() < 0.6:
                level = rng.choices([5, 4, 3, 2, 1], weights=[70, 18, 7, 3, 2])[0]
                s.add(Evaluation(ticket_id=t.id, level=level, window_id=t.window_id, created_at=t.finished_at))
        device = s.get(Device, kiosk_id)
        device.status = {"printer": "near_end", "online": True, "detail": "", "app_version": "", "at": NOW.isoformat()}
        device.last_seen_at = NOW
        # The status page of someone with people ahead: the newest ticket of the longest queue.
        busiest = max(s.scalars(select(Queue)), key=lambda q: q.waiting_count)
        waiting_token = s.scalars(select(Ticket.token).where(Ticket.queue_id == busiest.id, Ticket.status == "waiting")
                                  .order_by(Ticket.sort_key.desc())).first() or waiting_token
    return waiting_token


def main() -> None:
    rng = random.Random(20260304)
    tmp = Path(tempfile.mkdtemp(prefix="hallq-shots-"))
    url = f"sqlite:///{tmp}/hall.sqlite3"
    upgrade(url)
    db = Database(url)
    settings = Settings(database_url=url, data_dir=tmp / "var", secret_key="screenshots", discovery=False,
                        sweep_interval_s=3600)
    facts = seed_demo(db, settings)
    with db.write() as s:
        zone_a = list(s.scalars(select(Window.number).where(Window.floor == 1, Window.zone == "A")))
        _, display_token = accounts.add_device(s, "display", "一楼A区叫号屏", actor=SYSTEM, now=START,
                                               config={"windows": zone_a})
        kiosk_id = s.scalars(select(Device.id).where(Device.kind == "kiosk")).first()
    print("playing a morning in the demo hall…", flush=True)
    waiting_token = play_morning(db, kiosk_id, rng)
    began = time.monotonic()
    server = LiveServer(settings, clock=lambda: NOW + timedelta(seconds=time.monotonic() - began)).start()
    print(f"serving at {server.url}; demo accounts {list(facts['accounts'])}", flush=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            shoot_display(browser, server.url, display_token, zone_a)
            shoot_staff(browser, server.url)
            phone = browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2)
            phone.goto(f"{server.url}/t/{waiting_token}")
            expect(phone.locator("#ticket")).to_be_visible(timeout=10_000)
            phone.screenshot(path=OUT / "status.png")
            browser.close()
    finally:
        server.stop()
        db.dispose()
    print("saved", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


def shoot_display(browser, base: str, token: str, windows: list[int]) -> None:
    for name, size in (("display-landscape", (1920, 1080)), ("display-portrait", (1080, 1920))):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.goto(f"{base}/display?token={token}")
        expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
        page.wait_for_timeout(1200)
        page.screenshot(path=OUT / f"{name}.png")
        page.close()


def shoot_staff(browser, base: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})

    def sign_in(path: str, who: str) -> None:
        page.goto(base + path)
        page.evaluate("sessionStorage.clear()")
        page.reload()
        page.fill("#signin-form input[name=username]", who)
        page.fill("#signin-form input[name=password]", DEMO_ACCOUNTS[who][1])
        page.click("#signin-form button[type=submit]")
        expect(page.locator("#app")).to_be_visible(timeout=10_000)

    sign_in("/manage", "manager")
    expect(page.locator("#alerts li").first).to_be_visible(timeout=10_000)
    page.wait_for_timeout(2500)   # charts
    page.screenshot(path=OUT / "dashboard.png", full_page=True)
    page.goto(base + "/reports")
    expect(page.locator("#report tbody tr").first).to_be_visible(timeout=10_000)
    page.screenshot(path=OUT / "reports.png", full_page=False)
    sign_in("/admin", "admin")
    page.click('#tabs button[data-tab="windows"]')
    page.click('#table-windows button[data-edit="20"]')
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / "admin.png", full_page=False)
    page.close()


if __name__ == "__main__":
    main()
