"""Fixtures of the kiosk tests: the demo hall (served once per session), a virtual printer
on TCP, a proxy that can lose the server, and kiosks wired to all three."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hallq.hardware.printer import PrinterProfile, PrinterSimulator, open_printer
from hallq.kiosk.config import KioskSettings
from hallq.kiosk.model import Kiosk

from tests.support.proxy import FaultProxy

from .support import DemoHall, serve_demo_hall


@pytest.fixture(scope="session")
def demo_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoHall]:
    with serve_demo_hall(tmp_path_factory.mktemp("kiosk-hall")) as hall:
        yield hall


@pytest.fixture
def printer_sim() -> Iterator[PrinterSimulator]:
    sim = PrinterSimulator()
    sim.serve_tcp("127.0.0.1", 0)
    yield sim
    sim.close()


@pytest.fixture
def proxy(demo_hall: DemoHall) -> Iterator[FaultProxy]:
    p = FaultProxy(demo_hall.server.port).up()
    yield p
    p.down()


@pytest.fixture
def make_kiosk(demo_hall: DemoHall, tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """Kiosks on the demo hall (or another URL, or none: ``url=None``), with or without a
    printer; stopped after."""
    made: list[Kiosk] = []

    def make(*, url: str | None = "", printer: str | None = None, profile: PrinterProfile | None = None,
             boot: bool = True, **settings: Any) -> Kiosk:
        options: dict[str, Any] = {"url": demo_hall.url if url == "" else url, "token": demo_hall.kiosk_token,
                                   "discovery": False, "cache_dir": tmp_path / "kiosk-cache",
                                   "prefetch_guides": False, "health_interval_s": 0.2,
                                   "printer_interval_s": 0.2, **settings}
        driver = None
        if printer:
            driver = open_printer(printer, (profile or PrinterProfile.mm80()).with_(status_timeout_s=0.5,
                                                                                     io_timeout_s=3.0))
        kiosk = Kiosk(KioskSettings(**options), printer=driver)
        made.append(kiosk)
        if boot:
            kiosk.boot()
        return kiosk

    yield make
    for kiosk in made:
        kiosk.stop()
