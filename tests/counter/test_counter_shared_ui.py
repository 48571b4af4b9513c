"""hallq.ui, the pieces the counter shares with other touch apps: strings, the stand-in UI
thread and the test-driver channel (no Kivy needed)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from hallq.ui.dispatch import SerialThread
from hallq.ui.driver import DriverClient, DriverServer, Reply
from hallq.ui.fonts import cjk_font_path
from hallq.ui.i18n import Strings


def test_strings_fall_back_to_chinese_then_to_the_key() -> None:
    strings = Strings({"zh": {"a": "甲 {n}", "b": "乙"}, "en": {"a": "A {n}"}}, language="en")
    assert strings.t("a", n=1) == "A 1" and strings.t("b") == "乙" and strings.t("c") == "c"
    assert strings.t("a", "zh", n=2) == "甲 2" and strings.t("a") == "A {n}"
    assert strings.missing() == {"en": {"b"}}
    with pytest.raises(ValueError):
        strings.set_language("fr")


def test_serial_thread_runs_posted_work_in_order_on_one_thread() -> None:
    ui = SerialThread("test-ui")
    try:
        seen: list[tuple[int, str]] = []
        for i in range(20):
            ui.post(lambda i=i: seen.append((i, threading.current_thread().name)))
        assert ui.call(lambda: len(seen)) == 20
        assert [i for i, _ in seen] == list(range(20)) and {name for _, name in seen} == {"test-ui"}
        with pytest.raises(ZeroDivisionError):
            ui.call(lambda: 1 / 0)
        assert ui.wait_until(lambda: True, 1)
    finally:
        ui.stop()


def test_the_driver_channel_answers_on_the_ui_thread(tmp_path: Path) -> None:
    ui = SerialThread("test-ui")
    threads: list[str] = []

    def handle(request: dict[str, Any], reply: Reply) -> None:
        threads.append(threading.current_thread().name)
        if request["cmd"] == "later":
            ui.post(lambda: reply({"ok": True, "later": True}))   # answered a "frame" later
        elif request["cmd"] == "boom":
            raise RuntimeError("broken handler")
        else:
            reply({"ok": True, "echo": request.get("x")})

    server = DriverServer(handle, ui.post, port_file=tmp_path / "port")
    client = DriverClient.connect(tmp_path / "port", timeout=5)
    try:
        assert client.call("echo", x=3) == {"ok": True, "echo": 3}
        assert client.call("later") == {"ok": True, "later": True}
        broken = client.call("boom")
        assert broken["ok"] is False and "broken handler" in broken["error"]
        assert set(threads) == {"test-ui"}
        assert client.wait_for(lambda s: s["ok"], timeout=1)["ok"]
    finally:
        client.close()
        server.close()
        ui.stop()


def test_a_configured_font_that_does_not_exist_is_not_used(tmp_path: Path) -> None:
    installed = cjk_font_path({})
    assert cjk_font_path({"HALLQ_CJK_FONT": str(tmp_path / "missing.ttf")}) == installed
    font = tmp_path / "hall.ttf"
    font.write_bytes(b"not really a font")
    assert cjk_font_path({"HALLQ_CJK_FONT": str(font)}) == font
