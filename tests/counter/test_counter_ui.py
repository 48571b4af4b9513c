"""The real counter app under Xvfb, driven through its test-driver channel against a real
hall server (a `hallq serve` process, so the test can take it away). Screenshots of the
main states go to docs/screenshots/counter-*.png (refreshed with HALLQ_SCREENSHOTS=1)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hallq.hardware import KeypadSimulator
from hallq.server.models import Evaluation
from sqlalchemy import select

from hallq.ui.driver import DriverClient
from tests.support.hall import build_hall
from tests.support.live import PASSWORD, ServerProcess, enrol
from tests.support.screenshots import screenshot_path
from tests.support.xvfb import virtual_screen

pytestmark = pytest.mark.ui


class App:
    """The app process and its driver."""

    def __init__(self, proc: subprocess.Popen[bytes], driver: DriverClient, log: Path) -> None:
        self.proc, self.driver, self.log = proc, driver, log

    def state(self) -> dict[str, Any]:
        return self.driver.call("state")

    def wait(self, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
        return self.driver.wait_for(predicate, timeout)

    def do(self, cmd: str, **args: Any) -> dict[str, Any]:
        answer = self.driver.call(cmd, **args)
        assert answer.get("ok"), (cmd, args, answer)
        return answer

    def shot(self, name: str) -> None:
        answer = self.do("screenshot", path=str(screenshot_path(f"counter-{name}.png")))
        assert Path(answer["path"]).stat().st_size > 10_000


@pytest.fixture
def hall_server(db, tmp_path: Path) -> Iterator[tuple[ServerProcess, Any, dict[str, str]]]:
    now = datetime.now(UTC)
    hall = build_hall(db, now)
    hall.open_all(now)
    tokens = enrol(db, now)
    server = ServerProcess(db.url, tmp_path / "var").start()
    signed = httpx.post(server.url + "/api/v1/auth/login", json={"username": "manager", "password": PASSWORD},
                        timeout=10)
    tokens["manager"] = signed.json()["token"]
    yield server, hall, tokens
    server.stop()


@pytest.fixture
def keypad() -> Iterator[KeypadSimulator]:
    with KeypadSimulator([1]) as sim:
        yield sim


@pytest.fixture
def app(hall_server, keypad: KeypadSimulator, tmp_path: Path) -> Iterator[App]:
    server, _, _ = hall_server
    port_file, log = tmp_path / "driver.port", tmp_path / "counter.log"
    with virtual_screen() as env, open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hallq", "counter", "--url", server.url, "--no-discovery", "--window", "1",
             "--windowed", "--keypad", keypad.url, "--undo-seconds", "3", "--test-driver", str(port_file)],
            env={**env, "KIVY_HOME": str(tmp_path / "kivy")}, stdout=out, stderr=subprocess.STDOUT,
            cwd=tmp_path)
        try:
            driver = DriverClient.connect(port_file, timeout=60, alive=lambda: proc.poll() is None)
            yield App(proc, driver, log)
            driver.close()
        except Exception:
            print(log.read_text(errors="replace")[-4000:])
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def api(server: ServerProcess, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_the_counter_app_through_a_working_morning(app: App, hall_server, keypad: KeypadSimulator) -> None:
    server, hall, tokens = hall_server
    with api(server, tokens["kiosk"]) as kiosk:
        issued = [kiosk.post("/tickets", json={"service_id": hall.services["amr-001"], "priority": priority}).json()
                  for priority in ("elderly", "normal", "normal")]
    manager = api(server, tokens["manager"])

    def server_ticket(i: int) -> dict[str, Any]:
        return dict(manager.get(f"/tickets/{issued[i]['id']}").json())

    # Signed out: the sign-in card, in Chinese, with the server found.
    state = app.wait(lambda s: s["model_screen"] == "signin")
    assert state["screen"] == "signin" and state["labels"]["submit"] == "登录"
    assert server.url in state["labels"]["server"]
    app.shot("signed-out")
    app.do("type", target="signin.username", text="clerk")
    app.do("type", target="signin.password", text="wrong password")
    app.do("tap", target="signin.submit")
    state = app.wait(lambda s: s["message"] is not None and s["message"]["code"] == "unauthenticated")
    assert state["labels"]["message"] == "用户名、密码或卡号不正确" and state["screen"] == "signin"
    app.do("type", target="signin.password", text=PASSWORD)
    app.do("tap", target="signin.submit")

    # Idle: three waiting, call-next is the one thing to do.
    state = app.wait(lambda s: s["screen"] == "work" and s["state"] == "idle" and s["waiting"]
                     and s["waiting"][0]["count"] == 3 and s["online"])
    assert state["labels"]["state"] == "空闲，可呼叫下一位" and state["labels"]["online"] == "在线"
    assert state["enabled"] == ["call-next", "call-number", "close", "pause", "resume"]
    assert "C001" in state["labels"]["clerk"]
    app.shot("idle")

    # Called, by a touch on the button.
    app.do("press", action="call-next")
    state = app.wait(lambda s: s["state"] == "called" and s["busy"] is None)
    assert state["labels"]["number"] == issued[0]["number"] and state["labels"]["state"] == "已呼叫"
    assert state["labels"]["priority"] == "优先 · 老年人" and state["current"]["priority"] == "elderly"
    assert "企业设立登记" in state["labels"]["service"]
    assert server_ticket(0)["status"] == "called" and server_ticket(0)["window"]["number"] == 1
    assert app.driver.call("press", action="call-next") == {"ok": False, "disabled": True}
    app.shot("called")

    # Serving, by the caller keypad's start key: the same path as the touch.
    assert keypad.press("start")
    state = app.wait(lambda s: s["state"] == "serving" and s["busy"] is None)
    assert state["labels"]["state"] == "办理中" and state["labels"]["timer"].startswith("已办理")
    assert server_ticket(0)["status"] == "serving"
    assert state["enabled"] == ["finish", "hold", "pause", "transfer"]
    app.shot("serving")

    # Finish with a case number: the visitor's rating panel covers the clerk's controls.
    app.do("type", target="work.case_number", text="ZW-0001")
    app.do("press", action="finish")
    state = app.wait(lambda s: s["rating_panel"] and s["busy"] is None)
    assert state["enabled"] == [] and server_ticket(0)["case_number"] == "ZW-0001"
    app.shot("rating")
    app.do("tap", target="rating.level5")
    state = app.wait(lambda s: not s["rating_panel"] and s["message"]["key"] == "info.evaluation_recorded")
    assert "5" not in state["labels"]["message"].replace(issued[0]["number"], "")   # the level is not shown
    with hall.db.read() as s:
        rated = s.scalars(select(Evaluation).where(Evaluation.ticket_id == issued[0]["id"])).one()
        assert (rated.level, rated.channel, rated.staff_number) == (5, "screen", "C001")

    # Paused with a reason from the pause dialog.
    app.do("press", action="pause")
    app.wait(lambda s: s["dialog"] == "pause")
    app.do("tap", target="pause.lunch")
    state = app.wait(lambda s: s["state"] == "paused" and s["dialog"] is None)
    assert state["labels"]["state"] == "暂停服务：午休" and state["enabled"] == ["close", "open"]
    assert manager.get("/windows/1").json()["state"] == "paused"
    app.shot("paused")
    app.do("press", action="open")
    app.wait(lambda s: s["state"] == "idle")

    # F1 on the clerk's keyboard calls; the transfer list searches by pinyin initials.
    app.do("key", name="f1")
    state = app.wait(lambda s: s["state"] == "called" and s["busy"] is None)
    assert state["labels"]["number"] == issued[1]["number"]
    assert state["labels"]["priority"] == ""

    # A no-show asks first, then offers its undo: the same visitor is called back.
    app.do("press", action="no-show")
    state = app.wait(lambda s: s["dialog"] == "confirm")
    assert state["confirm_question"] == f"确认将 {issued[1]['number']} 记为过号？"
    assert server_ticket(1)["status"] == "called"
    app.do("tap", target="confirm.confirm")
    state = app.wait(lambda s: s["state"] == "idle" and s["busy"] is None and s["labels"]["undo"])
    assert server_ticket(1)["status"] == "no_show" and state["labels"]["undo"].startswith("撤销")
    app.shot("undo")
    app.do("tap", target="work.undo")
    state = app.wait(lambda s: s["state"] == "called" and s["busy"] is None)
    assert state["labels"]["number"] == issued[1]["number"] and server_ticket(1)["status"] == "called"

    app.do("press", action="transfer")
    state = app.wait(lambda s: s["dialog"] == "transfer")
    assert state["transfer_items"] == ["B  食品许可", "C  发票办理", "G  绿色通道"]
    app.shot("transfer")
    app.do("type", target="transfer.search", text="fpbl")
    state = app.wait(lambda s: s["transfer_items"] == ["C  发票办理"])
    app.do("tap", target="transfer.item:0")
    state = app.wait(lambda s: s["dialog"] == "confirm")
    assert state["confirm_question"] == f"确认将 {issued[1]['number']} 转至 发票办理？"
    app.shot("confirm")
    app.do("tap", target="confirm.confirm")
    state = app.wait(lambda s: s["undo"] is not None and s["undo"]["pending"])
    assert state["enabled"] == [] and server_ticket(1)["status"] == "called"
    state = app.wait(lambda s: s["state"] == "idle" and s["dialog"] is None and s["busy"] is None)
    assert state["labels"]["undo"] == ""
    moved = server_ticket(1)
    assert (moved["status"], moved["queue"]["code"]) == ("waiting", "tax-inv")

    # Offline: the server goes away; the app says so and refuses to act; it comes back alone.
    server.kill()
    state = app.wait(lambda s: not s["online"], 20)
    assert state["labels"]["online"] == "离线" and "断开" in state["labels"]["banner"]
    assert state["enabled"] == []
    app.shot("offline")
    server.start()
    state = app.wait(lambda s: s["online"] and s["state"] == "idle" and s["waiting"][0]["count"] == 1, 30)
    assert state["labels"]["banner"] == ""

    # The call-a-number pad has the prefixes' letters and a backspace the font can draw.
    app.do("press", action="call-number")
    app.wait(lambda s: s["dialog"] == "number")
    for key in ("G", "H", "BACK", "BACK", "A", "3"):
        app.do("tap", target=f"number.key:{key}")
    state = app.state()
    assert state["pad"]["typed"] == "A3" and "Z" in state["pad"]["letters"] and "←" in state["pad"]["digits"]
    app.shot("call-number")
    app.do("tap", target="number.confirm")
    state = app.wait(lambda s: s["state"] == "called" and s["dialog"] is None and s["busy"] is None)
    assert state["labels"]["number"] == issued[2]["number"]
    app.do("press", action="finish")
    app.wait(lambda s: s["rating_panel"] and s["busy"] is None)
    app.do("tap", target="rating.skip")
    app.wait(lambda s: not s["rating_panel"] and s["state"] == "idle")

    # English on request.
    app.do("tap", target="work.lang")
    state = app.wait(lambda s: s["language"] == "en")
    assert state["labels"]["state"] == "Free: call the next visitor" and state["labels"]["online"] == "Online"
    app.shot("idle-en")
    manager.close()
    assert app.proc.poll() is None
    assert "Traceback" not in app.log.read_text(errors="replace")
