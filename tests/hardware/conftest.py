"""Shared fixtures for the hardware tests: a printer simulator, sample documents, clips."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from hallq.hardware.printer import (
    CreditSummaryPrint,
    GuideChecklist,
    ListMembership,
    MaterialItem,
    PrinterProfile,
    PrinterSimulator,
    TicketPrint,
)
from hallq.hardware.voice import ClipLibrary

STATUS_URL = "https://hall.example.gov.cn/t/A001-20240506"
HALLQ = str(Path(sys.executable).with_name("hallq"))


@pytest.fixture
def ticket() -> TicketPrint:
    return TicketPrint(
        hall_name="市民之家政务服务中心",
        number="A001",
        department="市场监督管理局",
        service="企业开办",
        ahead=3,
        estimated_wait_s=900,
        issued_at=datetime(2024, 5, 6, 9, 31),
        status_url=STATUS_URL,
        notice="请留意叫号，过号请重新取号。",
        queue_name="综合窗口",
        notice_en="Please listen for your number.",
    )


@pytest.fixture
def guide() -> GuideChecklist:
    return GuideChecklist(
        hall_name="市民之家政务服务中心",
        item_name="有限责任公司设立登记",
        department="市场监督管理局",
        materials=(
            MaterialItem("公司登记（备案）申请书", originals=1),
            MaterialItem("股东主体资格证明", copies=2, note="自然人股东提交身份证复印件"),
            MaterialItem("委托书", copies=1, required=False),
        ),
        printed_at=datetime(2024, 5, 6, 9, 31),
        time_limit="1个工作日",
        guide_url="https://hall.example.gov.cn/guide/QT-0001",
    )


@pytest.fixture
def credit() -> CreditSummaryPrint:
    return CreditSummaryPrint(
        company_name="示例科技有限公司",
        credit_code="91350200MA2YJ1XR9G",
        status="存续",
        licences=4,
        penalties=1,
        queried_at=datetime(2024, 5, 6, 9, 31),
        lists=(ListMembership("经营异常名录", False),
               ListMembership("守信激励（红名单）", True, date(2023, 3, 1))),
        tax_grade="A",
    )


@pytest.fixture
def profile() -> PrinterProfile:
    """80 mm, native Chinese mode; status timeout short enough that failures show fast,
    long enough for a loaded CI machine."""
    return PrinterProfile.mm80(status_timeout_s=2.0, io_timeout_s=5.0)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "receipts") as simulator:
        simulator.serve_tcp("127.0.0.1", 0)
        yield simulator


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One espeak-ng clip cache for the whole run (generated once)."""
    cache = tmp_path_factory.mktemp("voice-cache")
    ClipLibrary(cache).build()
    return cache


@pytest.fixture
def clips(clip_cache: Path) -> ClipLibrary:
    return ClipLibrary(clip_cache)


class Process:
    """A ``hallq`` subprocess whose stdout lines are collected on a thread, so tests can
    wait for a line with a timeout instead of blocking on a pipe."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [HALLQ, "--log-level", "WARNING", *args], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            env={**os.environ, **(env or {})})
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    match = regex.search(line)
                    if match:
                        return match
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"no line matching {pattern!r} in {self.lines}")
                self._cond.wait(min(left, 0.2))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        return self.proc.returncode


@pytest.fixture
def hallq_process() -> Iterator[type[Process]]:
    """Start ``hallq`` subprocesses; every one is stopped when the test ends."""
    started: list[Process] = []

    class Tracked(Process):
        def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
            super().__init__(*args, env=env)
            started.append(self)

    yield Tracked
    for process in started:
        process.stop()
