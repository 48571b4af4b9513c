"""Fixtures for the counter's tests: a stand-in UI thread and view-models on a live server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hallq.counter.config import CounterConfig
from hallq.counter.model import CounterModel

from hallq.ui.dispatch import SerialThread
from tests.support.live import PASSWORD

Make = Callable[..., CounterModel]


@pytest.fixture
def ui() -> Iterator[SerialThread]:
    thread = SerialThread("counter-ui")
    yield thread
    thread.stop()


def wait(ui: SerialThread, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    if not ui.wait_until(predicate, timeout):
        raise AssertionError(f"not within {timeout}s: {what or predicate}")


def make_models(url: str, ui: SerialThread) -> tuple[Make, list[CounterModel]]:
    made: list[CounterModel] = []

    def make(client_factory: Any = None, clock: Any = None, **config: Any) -> CounterModel:
        extra: dict[str, Any] = {"client_factory": client_factory} if client_factory else {}
        if clock is not None:
            extra["clock"] = clock
        model = CounterModel(CounterConfig(url=url, discovery=False, **config), ui.post, **extra)
        made.append(model)
        ui.call(model.start)
        wait(ui, lambda: model.screen == "signin", what="the sign-in screen")
        return model

    return make, made


@pytest.fixture
def counter(live: Any, ui: SerialThread) -> Iterator[Make]:
    """Make view-models on the live hall's server (started, at the sign-in screen)."""
    make, made = make_models(live.url, ui)
    yield make
    for model in made:
        ui.call(model.close)


def sign_in(ui: SerialThread, model: CounterModel, window: int = 1, **credentials: str) -> None:
    creds = credentials or {"username": "clerk", "password": PASSWORD}
    assert ui.call(lambda: model.sign_in(window=window, **creds))
    ready(ui, model)


def ready(ui: SerialThread, model: CounterModel) -> None:
    """Signed in, the window's state known and live events flowing."""
    wait(ui, lambda: model.screen == "work" and model.window_state is not None and model.stream_ok
         and model.queue_index is not None and not model._refreshing, what="the work screen")


def issue(url: str, token: str, service_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        answer = http.post("/tickets", json={"service_id": service_id})
        answer.raise_for_status()
        return dict(answer.json())


def ticket(url: str, token: str, ticket_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        return dict(http.get(f"/tickets/{ticket_id}").json())


class StepClock:
    """The view-model's monotonic clock, moved forward by the test (never the wall clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
