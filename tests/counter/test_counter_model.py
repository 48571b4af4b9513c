"""The counter's view-model against a real hall server: real HTTP, real live events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from hallq.counter.model import Action, WorkState
from hallq.server.models import Evaluation, Ticket
from sqlalchemy import select

from hallq.client import HallClient
from hallq.ui.dispatch import SerialThread
from tests.support.hall import build_hall
from tests.support.live import ServerProcess, enrol

from .conftest import issue, make_models, ready, sign_in, ticket, wait


def tickets(live: Any, n: int, service: str = "amr-001") -> list[dict[str, Any]]:
    return [issue(live.url, live.tokens["kiosk"], live.hall.services[service]) for _ in range(n)]


def status_of(live: Any, ticket_id: int) -> tuple[str, int | None]:
    t = ticket(live.url, live.tokens["manager"], ticket_id)
    return t["status"], (t.get("window") or {}).get("number")


def test_a_visitor_from_call_to_rating(live, counter, ui: SerialThread) -> None:
    first, second = tickets(live, 2)
    model = counter()
    sign_in(ui, model)
    wait(ui, lambda: model.waiting_total == 2, what="two waiting")
    assert model.waiting[0].next == [first["number"], second["number"]]
    assert model.state is WorkState.IDLE and Action.CALL_NEXT in model.enabled

    # A key pressed twice while the first call is in flight calls once.
    pressed = ui.call(lambda: (model.press(Action.CALL_NEXT), model.press(Action.CALL_NEXT)))
    assert pressed == (True, False)
    wait(ui, lambda: model.state is WorkState.CALLED and model.busy is None)
    assert ui.call(lambda: model.press(Action.CALL_NEXT)) is False          # and after it landed
    assert model.message is not None and model.message.key == "explain.finish_first"
    assert model.current is not None and model.current.number == first["number"]
    assert status_of(live, first["id"]) == ("called", 1)
    assert status_of(live, second["id"]) == ("waiting", None)
    wait(ui, lambda: model.waiting_total == 1, what="one left waiting")
    assert ui.call(lambda: model.enabled) == {Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW,
                                              Action.HOLD, Action.TRANSFER, Action.PAUSE}

    assert ui.call(lambda: model.press(Action.START))
    wait(ui, lambda: model.state is WorkState.SERVING)
    assert status_of(live, first["id"]) == ("serving", 1)

    assert ui.call(lambda: model.press(Action.FINISH, "ZW2026-0042"))
    wait(ui, lambda: model.state is WorkState.IDLE and model.rating_prompt)
    done = ticket(live.url, live.tokens["manager"], first["id"])
    assert (done["status"], done["case_number"]) == ("done", "ZW2026-0042")
    wait(ui, lambda: model.stats.get("done") == 1, what="today's own count")

    # The visitor's panel is up: the clerk's actions wait for it.
    assert not ui.call(lambda: model.press(Action.CALL_NEXT))
    assert model.message is not None and model.message.key == "explain.rating_in_progress"
    assert ui.call(lambda: model.rate_on_screen(2, ["reason.waiting"]))
    wait(ui, lambda: model.message is not None and model.message.key == "info.evaluation_recorded")
    assert model.message.params == {"number": first["number"]}     # never the level
    assert not model.rating_prompt and Action.CALL_NEXT in ui.call(lambda: model.enabled)
    with live.hall.db.read() as s:
        row = s.scalars(select(Evaluation).where(Evaluation.ticket_id == first["id"])).one()
        served = s.get(Ticket, first["id"])
        assert served is not None
        assert (row.level, row.channel, row.reasons) == (2, "screen", ["等候时间长"])
        assert (row.window_id, row.staff_number, row.service_id) == (live.hall.windows[1], "C001",
                                                                     served.service_id)


class LosingClient(HallClient):
    """A network that loses the first answer to call-next on its way back."""

    keys: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        send = self._http.request

        def request(method: str, path: str, **kw: Any) -> httpx.Response:
            response = send(method, path, **kw)
            if path.endswith("/call-next"):
                LosingClient.keys.append(kw["headers"]["Idempotency-Key"])
                if len(LosingClient.keys) == 1:
                    raise httpx.ReadTimeout("the answer was lost")
            return response

        self._http.request = request  # type: ignore[method-assign]


def test_lost_answers_live_events_refusals_and_resynchronising(live, counter, ui: SerialThread) -> None:
    LosingClient.keys = []
    model = counter(client_factory=LosingClient)
    ui.call(lambda: model.resume_session(live.tokens["clerk"], 1))
    ready(ui, model)
    assert model.waiting_total == 0
    assert not ui.call(lambda: model.press(Action.RECALL))
    assert model.message is not None and model.message.key == "explain.no_current_ticket"
    first, second, third = tickets(live, 3)
    wait(ui, lambda: model.waiting_total == 3, what="new tickets seen without asking")

    # The answer to call-next is lost: the retry carries the same key and calls nobody else.
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    wait(ui, lambda: model.state is WorkState.CALLED and model.busy is None)
    assert model.message is not None and model.message.key == "info.call-next"
    assert len(LosingClient.keys) == 2 and LosingClient.keys[0] == LosingClient.keys[1]
    assert model.current is not None and model.current.number == first["number"]
    assert status_of(live, second["id"]) == ("waiting", None)
    assert ui.call(lambda: model.press(Action.NO_SHOW, confirmed=True))
    wait(ui, lambda: model.state is WorkState.IDLE and model.busy is None)

    with live.client("manager") as manager:      # the floor manager calls for this window
        assert manager.post("/windows/1/call-next").status_code == 200
    wait(ui, lambda: model.current is not None and model.current.number == second["number"])
    assert model.state is WorkState.CALLED and model.waiting_total == 1

    # The screen believes the window is free (say, a missed update): the server refuses.
    ui.call(lambda: setattr(model, "current", None))
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    wait(ui, lambda: model.message is not None and model.message.code == "window_busy")
    assert model.message.key == "error.window_busy" and model.message.kind == "error"
    wait(ui, lambda: model.current is not None and model.current.number == second["number"], what="resync")
    assert status_of(live, third["id"]) == ("waiting", None)

    for _ in range(2):
        assert ui.call(lambda: model.press(Action.RECALL))
        wait(ui, lambda: model.busy is None)
    assert ui.call(lambda: model.press(Action.RECALL))
    wait(ui, lambda: model.message is not None and model.message.code == "recall_limit")
    assert model.message.key == "error.recall_limit"
    assert ui.call(lambda: model.text(model.message.key)) == "重呼次数已到上限，请记为过号"


def test_hold_transfer_resume_call_number_pause_and_close(live, counter, ui: SerialThread) -> None:
    first, second, third = tickets(live, 3)
    model = counter(undo_s=0.2)
    ui.call(lambda: model.resume_session(live.tokens["clerk"], 1))
    ready(ui, model)

    def act(action: Action, argument: str | None = None) -> None:
        assert ui.call(lambda: model.press(action, argument, confirmed=True)), ui.call(lambda: model.message)
        wait(ui, lambda: model.busy is None, what=str(action))
        assert model.message is not None and model.message.kind == "info", model.message

    act(Action.CALL_NEXT)
    act(Action.HOLD)
    assert [h.number for h in model.held] == [first["number"]] and model.state is WorkState.IDLE
    assert status_of(live, first["id"]) == ("held", None)
    # a restarted app learns the window's held tickets from the server
    again = counter()
    ui.call(lambda: again.resume_session(live.tokens["clerk"], 1))
    ready(ui, again)
    assert [h.number for h in again.held] == [first["number"]]
    ui.call(again.close)

    act(Action.CALL_NEXT)
    assert not ui.call(lambda: model.press(Action.TRANSFER))          # asks where to
    assert model.request is Action.TRANSFER
    choices = ui.call(lambda: model.transfer_choices("spxk"))
    assert [c.name_zh for c in choices] == ["食品许可"]
    act(Action.TRANSFER, str(choices[0].id))
    assert model.undo is not None and model.undo.pending      # held back for its undo window
    wait(ui, lambda: (model.tick(), model.current is None and model.busy is None)[1], what="the transfer sent")
    moved = ticket(live.url, live.tokens["manager"], second["id"])
    assert (moved["status"], moved["queue"]["code"], moved["number"]) == ("waiting", "amr-food", second["number"])
    assert model.request is None and model.state is WorkState.IDLE

    act(Action.RESUME)                                                 # the held ticket comes back
    assert model.current is not None and model.current.number == first["number"] and model.held == []
    act(Action.NO_SHOW)
    assert status_of(live, first["id"]) == ("no_show", None)

    act(Action.CALL_NUMBER, third["number"][1:].lstrip("0"))           # "3" means A003 here
    assert model.current is not None and model.current.number == third["number"]
    act(Action.FINISH)
    ui.call(model.skip_rating)

    assert not ui.call(lambda: model.press(Action.PAUSE))             # asks why
    assert model.request is Action.PAUSE
    act(Action.PAUSE, "午休")
    assert (model.state, model.pause_reason) == (WorkState.PAUSED, "午休")
    assert ui.call(lambda: model.enabled) == {Action.OPEN, Action.CLOSE}
    assert not ui.call(lambda: model.press(Action.CALL_NEXT))
    assert model.message is not None and model.message.key == "explain.window_paused"
    act(Action.OPEN)
    act(Action.CLOSE)
    assert model.state is WorkState.CLOSED
    with live.client("manager") as http:
        assert http.get("/windows/1").json()["state"] == "closed"
    assert ui.call(model.sign_out)
    assert model.screen == "signin" and model.state is WorkState.SIGNED_OUT


def test_sign_in_by_card_or_password_and_by_device_token(live, counter, ui: SerialThread) -> None:
    model = counter()
    assert ui.call(lambda: model.sign_in(username="clerk", password="wrong"))
    wait(ui, lambda: model.message is not None and model.message.code == "unauthenticated")
    assert model.message.key == "error.unauthenticated" and model.screen == "signin"
    assert not ui.call(lambda: model.sign_in())
    assert model.message.key == "error.credentials_missing"

    assert ui.call(lambda: model.sign_in(card="card-clerk"))
    wait(ui, lambda: model.screen == "window" and len(model.windows) == 4)
    assert ui.call(lambda: model.choose_window(3))
    ready(ui, model)
    assert model.window == 3 and model.staff is not None and model.staff["staff_number"] == "C001"
    assert [w.prefix for w in model.waiting] == ["B", "C", "A"]

    # A counter terminal's device token works at its own window (2).
    (food,) = tickets(live, 1, "amr-002")
    device = counter()
    ui.call(lambda: device.resume_session(live.tokens["counter"], 2))
    ready(ui, device)
    assert ui.call(lambda: device.press(Action.CALL_NEXT))
    wait(ui, lambda: device.state is WorkState.CALLED)
    assert status_of(live, food["id"]) == ("called", 2)


def test_the_counter_survives_a_server_restart(db, tmp_path, ui: SerialThread) -> None:
    now = datetime.now(UTC)
    hall = build_hall(db, now)
    hall.open_all(now)
    tokens = enrol(db, now)
    server = ServerProcess(db.url, tmp_path / "var").start()
    make, made = make_models(server.url, ui)
    try:
        model = make()
        sign_in(ui, model)
        issue(server.url, tokens["kiosk"], hall.services["amr-001"])
        wait(ui, lambda: model.waiting_total == 1)

        server.kill()
        wait(ui, lambda: not model.online, 15, "offline shown")
        assert not ui.call(lambda: model.press(Action.CALL_NEXT))           # nothing is queued
        assert model.message is not None and model.message.key == "explain.offline"

        server.start()
        wait(ui, lambda: model.online and model.stream_ok, 20, "back online by itself")
        issue(server.url, tokens["kiosk"], hall.services["amr-001"])
        wait(ui, lambda: model.waiting_total == 2, what="events flow again")
        assert ui.call(lambda: model.press(Action.CALL_NEXT))
        wait(ui, lambda: model.state is WorkState.CALLED)
    finally:
        for model in made:
            ui.call(model.close)
        server.stop()
