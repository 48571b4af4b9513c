"""The counter's view-model: everything the clerk's screen shows and every action it takes,
without Kivy.

Threading: state is read and changed on one thread only (the UI thread). HTTP requests run
on a small worker pool; their results, the live events and the devices' events are handed
back with ``post``. Listeners (the screens) are told after every change.

One action at a time: while an action's request is in flight, another press is ignored, so
a key pressed twice never acts twice. Calls carry an Idempotency-Key, reused for their
retries, so a lost answer never calls a second ticket either. Nothing is queued while the
server is unreachable except ratings, which the server accepts once per service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hallq.client import ApiError, EventStream, HallClient, new_key
from hallq.ui.dispatch import Post
from hallq.ui.i18n import Strings

from .actions import CALLS, IDEMPOTENT, Action, WorkState, enabled_actions, why_not, work_state
from .devices import CounterDevices, call_text, idle_text, keypad_command, paused_text
from .evaluation import Evaluations
from .ratings import RatingDesk
from .search import QueueEntry, QueueIndex
from .state import (
    Held,
    Message,
    Ticket,
    Waiting,
    candidates,
    event_effect,
    ticket_from_answer,
    ticket_from_snapshot,
    waiting_from_rows,
)
from .timers import Clock
from .undo import CONFIRMED, Confirm, Undoable, UndoActions

if TYPE_CHECKING:
    from ..config import CounterConfig

log = logging.getLogger(__name__)

STRINGS_DIR = Path(__file__).resolve().parent.parent / "strings"
EVENT_TYPES = ["ticket.", "window.", "queue.", "catalog."]
PROBE_S = 2.0        # while the server is unreachable, try again this often
RECONNECT_S = 2.0    # the longest wait between reconnection attempts of the live events
# Server codes that mean our picture of the window was stale: fetch it again.
STALE = frozenset({"window_busy", "window_idle", "invalid_transition", "window_closed", "window_paused",
                   "recall_limit", "not_served_here"})
# Trying a typed number against the next prefix makes sense only after these.
NOT_THIS_PREFIX = frozenset({"unknown_ticket", "not_served_here"})


class CounterModel(UndoActions):
    def __init__(self, config: CounterConfig, post: Post, *, clock: Clock = time.monotonic,
                 strings: Strings | None = None,
                 client_factory: Callable[..., HallClient] = HallClient,
                 stream_factory: Callable[..., EventStream] = EventStream,
                 devices_factory: Callable[..., CounterDevices] | None = CounterDevices,
                 workers: int = 3) -> None:
        self.config = config
        self.post = post
        self.clock = clock
        self.strings = strings or Strings.load(STRINGS_DIR, config.language)
        self._client_factory = client_factory
        self._stream_factory = stream_factory
        self._devices_factory = devices_factory
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="counter")
        self._listeners: list[Callable[[], None]] = []
        self.evaluations = Evaluations(clock, screen_timeout_s=config.screen_rating_timeout_s,
                                       device_timeout_s=config.evaluator_timeout_s)
        self.ratings = RatingDesk(self.evaluations, post, run=self._run, client_for=self._client_for,
                                  recorded=lambda number: self._say("info.evaluation_recorded", number=number),
                                  changed=self._changed)
        # what the screens show
        self.screen = "connecting"       # connecting | signin | window | work
        self.server_url: str | None = None
        self.fingerprint: str | None = None
        self.http_ok = True
        self.stream_ok = False       # live events flowing
        self.stream_down = False     # live events lost (not merely not connected yet)
        self.staff: dict[str, Any] | None = None
        self.window: int | None = None
        self.window_name = ""
        self.window_state: str | None = None
        self.pause_reason: str | None = None
        self.current: Ticket | None = None
        self.held: list[Held] = []
        self.waiting: list[Waiting] = []
        self.stats: dict[str, int] = {}
        self.windows: list[dict[str, Any]] = []
        self.services: dict[int, dict[str, Any]] = {}
        self.queue_index: QueueIndex | None = None
        self.busy: Action | None = None
        self.signing_in = False
        self.message: Message | None = None
        self.request: Action | None = None   # a dialog the screen should open for an action
        self.confirming: Confirm | None = None   # a no-show or transfer waiting for the clerk's yes
        self.undo: Undoable | None = None        # the last no-show or transfer, while it can be undone
        self.case_number = ""                # typed while serving; kept with "finish" (touch or key)
        self.devices: CounterDevices | None = None
        # bookkeeping
        self.client: HallClient | None = None
        self.token: str | None = None
        self._clients: dict[str, HallClient] = {}
        self._stream: EventStream | None = None
        self._session = 0                      # bumped at every sign-in/out: late results are dropped
        self._version = 0                      # bumped when an action changes the window
        self._refreshing = False
        self._pending_parts: set[str] = set()
        self._next_probe = 0.0
        self._closed = False

    # -- listeners ----------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("a screen failed to update")

    def _say(self, key: str, kind: str = "info", code: str | None = None, **params: Any) -> None:
        self.message = Message(key, kind, params, code)
        self._changed()

    def text(self, key: str, **params: Any) -> str:
        return self.strings.t(key, **params)

    def set_language(self, language: str) -> None:
        self.strings.set_language(language)
        self._changed()

    # -- what the screens read ------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self.http_ok and not (self.stream_down and self.screen == "work")

    @property
    def state(self) -> WorkState:
        if self.screen != "work":
            return WorkState.SIGNED_OUT
        return work_state(self.window_state, self.current.status if self.current else None)

    @property
    def enabled(self) -> frozenset[Action]:
        """Actions whose buttons are enabled now."""
        if self.screen != "work" or self.busy is not None or not self.online or self.ratings.prompt \
                or (self.undo is not None and self.undo.pending):
            return frozenset()
        return enabled_actions(self.window_state, self.current.status if self.current else None)

    @property
    def rating_prompt(self) -> bool:
        """The visitor's rating panel is up (the clerk's controls are behind it)."""
        return self.ratings.prompt

    @property
    def waiting_total(self) -> int:
        return sum(w.count for w in self.waiting)

    def service_name(self, service_id: int | None) -> str:
        service = self.services.get(service_id or 0)
        if service is None:
            return ""
        en = self.strings.language == "en" and service.get("name_en")
        return str(en or service.get("name_zh") or "")

    def queue_name(self, queue: Waiting | QueueEntry) -> str:
        return (queue.name_en if self.strings.language == "en" and queue.name_en else queue.name_zh)

    def elapsed(self) -> float:
        """Seconds in the current phase (since the call, or since service started)."""
        return self.current.since.elapsed(self.clock()) if self.current else 0.0

    # -- workers --------------------------------------------------------------------------------
    def _submit(self, work: Callable[[], Any], done: Callable[[Any, ApiError | None], None]) -> None:
        session = self._session

        def run() -> None:
            try:
                result, error = work(), None
            except ApiError as exc:
                result, error = None, exc
            except Exception as exc:  # a bug or an unexpected answer: reported, not fatal
                if self._closed:
                    return  # the app is closing and took the connection with it
                log.exception("counter request failed")
                result, error = None, ApiError("client_error", str(exc))

            def back() -> None:
                if session == self._session and not self._closed:
                    done(result, error)
            self.post(back)

        self._run(run)

    def _run(self, work: Callable[[], None]) -> None:
        if not self._closed:
            self._pool.submit(work)

    def _note_error(self, error: ApiError) -> None:
        if error.unreachable:
            if self.http_ok:
                log.warning("the hall server is unreachable")
            self.http_ok = False
            self._next_probe = self.clock() + PROBE_S

    # -- connecting -----------------------------------------------------------------------------
    def start(self) -> None:
        """Find the hall server (zeroconf, else the configured URL) and show sign-in."""
        config = self.config

        def find() -> tuple[str, str | None]:
            if not config.discovery:
                if not config.url:
                    raise ApiError("no_server", "no server URL configured")
                return config.url.rstrip("/"), None
            from hallq.discovery import NotFound, find_server
            try:
                info = find_server(config.url)
            except NotFound as exc:
                raise ApiError("no_server", str(exc)) from exc
            return info.url, info.fingerprint

        def found(result: tuple[str, str | None] | None, error: ApiError | None) -> None:
            if error is not None or result is None:
                self._say("error.no_server", "error", error.code if error else None)
                self._next_probe = self.clock() + PROBE_S
                return
            self.server_url, self.fingerprint = result
            self.client = self._client_factory(self.server_url, fingerprint=self.fingerprint)
            self.screen = "signin"
            self._changed()

        self._submit(find, found)

    # -- signing in -----------------------------------------------------------------------------
    def sign_in(self, *, username: str = "", password: str = "", card: str = "",
                window: int | None = None) -> bool:
        if self.signing_in or self.screen != "signin" or self.client is None:
            return False
        card, username = card.strip(), username.strip()
        if not card and not (username and password):
            self._say("error.credentials_missing", "error")
            return False
        window = window or self.config.window
        client = self.client
        self.signing_in = True
        self.message = None
        self._changed()

        def login() -> dict[str, Any]:
            if card:
                return client.login(card=card, window_number=window)
            return client.login(username, password, window_number=window)

        def done(answer: dict[str, Any] | None, error: ApiError | None) -> None:
            self.signing_in = False
            if error is not None or answer is None:
                self._note_error(error or ApiError("client_error", ""))
                self._say(self._error_key(error), "error", error.code if error else None)
                return
            self.http_ok = True
            self._signed_in(answer["token"], answer["staff"], answer.get("window_number"))

        self._submit(login, done)
        return True

    def resume_session(self, token: str, window: int) -> None:
        """Work with an existing sign-in (a clerk's token, or a counter device's)."""
        assert self.client is not None
        client = self.client
        client.token = token

        def me() -> dict[str, Any]:
            return dict(client.get("/auth/me"))

        def done(answer: dict[str, Any] | None, error: ApiError | None) -> None:
            if error is not None or answer is None:
                self._say(self._error_key(error), "error", error.code if error else None)
                return
            staff = {"display_name": answer.get("name") or "", "staff_number": answer.get("staff_number") or "",
                     "role": answer.get("role")}
            self._signed_in(token, staff, window)

        self._submit(me, done)

    def _signed_in(self, token: str, staff: dict[str, Any], window: int | None) -> None:
        assert self.client is not None
        self.token = token
        self.client.token = token
        self.staff = staff
        self._session += 1
        if window is None:
            self.screen = "window"
            self._changed()
            self._load_windows()
            return
        self._enter_work(window)

    def _load_windows(self) -> None:
        client = self.client
        assert client is not None

        def done(windows: list[dict[str, Any]] | None, error: ApiError | None) -> None:
            if error is not None:
                self._note_error(error)
                self._say(self._error_key(error), "error", error.code)
                return
            self.windows = windows or []
            self._changed()

        self._submit(lambda: client.get("/windows"), done)

    def choose_window(self, number: int) -> bool:
        if self.screen != "window" or self.client is None or self.signing_in:
            return False
        client = self.client
        self.signing_in = True

        def done(answer: dict[str, Any] | None, error: ApiError | None) -> None:
            self.signing_in = False
            if error is not None or answer is None:
                self._note_error(error or ApiError("client_error", ""))
                self._say(self._error_key(error), "error", error.code if error else None)
                return
            self._enter_work(int(answer["window_number"]))

        self._submit(lambda: client.post("/auth/window", {"window_number": number}), done)
        return True

    def _enter_work(self, window: int) -> None:
        assert self.client is not None and self.server_url is not None and self.token is not None
        self.window = window
        self.screen = "work"
        self.window_state = None
        self.current = None
        self.message = None
        self.stream_ok = self.stream_down = False
        self._open_devices(window)
        session = self._session

        def on_event(event: dict[str, Any]) -> None:
            self.post(lambda: self._event(event) if session == self._session else None)

        def on_state(state: str) -> None:
            self.post(lambda: self._stream_state(state) if session == self._session else None)

        self._stream = self._stream_factory(self.server_url, self.token, on_event, types=EVENT_TYPES,
                                            on_state=on_state, max_backoff=RECONNECT_S)
        self._stream.start()
        self._changed()
        self._refresh({"window", "waiting", "stats", "catalog"})

    def _open_devices(self, window: int) -> None:
        if self._devices_factory is None or not self.config.has_devices or self.devices is not None:
            return
        try:
            self.devices = self._devices_factory(
                self.config.device_urls(window), self.post, on_key=self.keypad,
                on_evaluator=self.evaluator_event, evaluation_timeout_s=self.config.evaluator_timeout_s)
        except ValueError as exc:
            log.error("counter devices not opened: %s", exc)
            self._say("error.devices", "error")

    def sign_out(self) -> bool:
        if self.screen == "work" and (self.current is not None or self.rating_prompt):
            self._say("explain.finish_first", "error")
            return False
        self._leave_work()
        client, token = self.client, self.token
        if client is not None and token is not None:
            def logout() -> None:
                try:
                    client.request("POST", "/auth/logout")
                except ApiError as exc:   # the sign-in expires by itself anyway
                    log.info("sign-out not confirmed: %s", exc.code)
            self._run(logout)
        self.token = None
        self._say("info.signed_out")
        return True

    def _leave_work(self) -> None:
        self._session += 1
        if self._stream is not None:
            self._stream.stop(timeout=0)
            self._stream = None
        if self.devices is not None:
            self.devices.clear()
            self.devices.close()
            self.devices = None
        self.screen = "signin" if self.client is not None else "connecting"
        self.staff = None
        self.window_state = self.pause_reason = None
        self.current = None
        self.held, self.waiting, self.stats = [], [], {}
        self.busy = None
        self.request = None
        self.confirming = self.undo = None
        self.case_number = ""
        self.stream_ok = self.stream_down = False
        self._refreshing = False
        self._pending_parts.clear()

    # -- actions --------------------------------------------------------------------------------
    def press(self, action: Action | str, argument: str | None = None, *, source: str = "screen",
              confirmed: bool = False) -> bool:
        """One touch or one key. Returns True when a request was sent (or a transfer held
        for its undo window)."""
        action = Action(action)
        if self.screen != "work":
            log.warning("%s from the %s ignored: nobody is signed in at this counter", action, source)
            return False
        if self.busy is not None:
            # The same key again while its request is in flight: ignored without a word.
            if self.busy is not action:
                self._say("explain.wait")
            log.info("%s from the %s ignored: %s is in flight", action, source, self.busy)
            return False
        if self.rating_prompt:
            self._say("explain.rating_in_progress")
            return False
        if not self.online:
            self._say("explain.offline", "error")
            return False
        if self.undo is not None and self.undo.pending:
            self._say("explain.transfer_pending", "error")
            return False
        status = self.current.status if self.current else None
        if action not in enabled_actions(self.window_state, status):
            self._say(why_not(action, self.window_state, status), "error")
            return False
        body, numbers = self._arguments(action, argument, source)
        if body is None and action in (Action.CALL_NUMBER, Action.TRANSFER, Action.PAUSE, Action.RESUME):
            return False  # the screen asks for the missing part
        if action in CONFIRMED and self.current is not None:
            # A touch asks first; a key on the caller keypad is deliberate and is not asked
            # again. Either way the undo window follows.
            if source == "screen" and not confirmed:
                self.confirming = Confirm(action, argument, self.current.number,
                                          self._queue_title(body.get("queue_id") if body else None))
                self.request = None
                self._changed()
                return False
            self.confirming = None
            if action is Action.TRANSFER and body is not None:
                self._hold_transfer(int(body["queue_id"]))
                return True
        self._send(action, body, numbers, source)
        return True

    def _send(self, action: Action, body: dict[str, Any] | None, numbers: list[str], source: str,
              *, undoing: bool = False) -> None:
        assert self.client is not None and self.window is not None
        client, window, key = self.client, self.window, new_key()
        self.busy = action
        self.request = None
        self.message = None
        self._changed()
        log.info("%s at window %d (%s, key %s)", action, window, source, key)

        def perform() -> Any:
            if action is Action.CALL_NUMBER:
                return self._call_number(client, window, numbers, key)
            return client.window_action(window, action.value, body,
                                        key=key if action in IDEMPOTENT else None)

        self._submit(perform, lambda result, error: self._acted(action, result, error, undoing=undoing))

    def _arguments(self, action: Action, argument: str | None, source: str
                   ) -> tuple[dict[str, Any] | None, list[str]]:
        """The request body for ``action``; (None, []) when something must be asked first."""
        if action is Action.CALL_NUMBER:
            numbers = candidates(argument or "", [w.prefix for w in self.waiting])
            if not numbers:
                self.request = action
                self._changed()
                return None, []
            return {}, numbers
        if action is Action.TRANSFER:
            if not argument or not argument.isdigit():
                self.open_transfer()
                return None, []
            return {"queue_id": int(argument)}, []
        if action is Action.PAUSE:
            reason = (argument or "").strip()
            if not reason and source == "keypad":
                reason = self.strings.t("pause.keypad", "zh")
            if not reason:
                self.request = action
                self._changed()
                return None, []
            return {"reason": reason[:200]}, []
        if action is Action.RESUME:
            number = (argument or "").strip().upper() or (self.held[-1].number if self.held else "")
            if not number:
                if source == "keypad":
                    self._say("explain.nothing_held", "error")
                else:
                    self.request = action
                    self._changed()
                return None, []
            return {"number": number}, []
        case_number = (argument if argument is not None else self.case_number).strip()
        if action is Action.FINISH and case_number:
            return {"case_number": case_number[:60]}, []
        return None if action is not Action.FINISH else {}, []

    @staticmethod
    def _call_number(client: HallClient, window: int, numbers: list[str], key: str) -> Any:
        error: ApiError | None = None
        for number in numbers:
            try:
                return client.window_action(window, "call-number", {"number": number},
                                            key=f"{key}-{number}")
            except ApiError as exc:
                if exc.code not in NOT_THIS_PREFIX:
                    raise
                if error is None or exc.code == "not_served_here":
                    error = exc
        assert error is not None
        raise error

    def cancel_request(self) -> None:
        self.request = None
        self._changed()

    def _acted(self, action: Action, result: Any, error: ApiError | None, *, undoing: bool = False) -> None:
        self.busy = None
        self._version += 1
        if error is not None:
            self._failed(action, error)
            return
        self.http_ok = True
        if action in (Action.OPEN, Action.PAUSE, Action.CLOSE):
            self.window_state = result.get("state")
            self.pause_reason = result.get("pause_reason")
            self._show_window_text()
            self._say(f"info.{action.value}", reason=self.pause_reason or "")
            self._refresh({"waiting"})
            return
        if result is None:   # call-next: nobody is waiting
            self._say("info.nobody_waiting")
            self._refresh({"waiting"})
            return
        number = str(result["number"])
        current = ticket_from_answer(result, self.clock())
        if current is None or self.current is None or self.current.id != current.id:
            self.case_number = ""
        self.current = current
        if action is Action.HOLD:
            self.held = [h for h in self.held if h.id != result["id"]] + [Held(int(result["id"]), number)]
        if action is Action.RESUME:
            self.held = [h for h in self.held if h.id != result["id"]]
        if action in CALLS and self.devices is not None and self.window is not None:
            self.devices.show(call_text(number, self.window))
        elif self.current is None:
            self._show_window_text()
        if action is Action.FINISH:
            self.ratings.finished(int(result["id"]), number, self.config.device_token or self.token, self.devices)
        params: dict[str, Any] = {"number": number}
        if action is Action.TRANSFER:
            params["queue"] = result["queue"].get("name_en" if self.strings.language == "en" else "name_zh")
        if action is Action.NO_SHOW:
            self.undo = Undoable(Action.NO_SHOW, int(result["id"]), number, self.clock() + self.config.undo_s)
        self._say("info.undone_no_show" if undoing else f"info.{action.value}", **params)
        self._refresh({"waiting", "stats"})

    def _failed(self, action: Action, error: ApiError) -> None:
        log.info("%s refused: %s %s", action, error.code, error.message)
        self._note_error(error)
        if error.code == "unauthenticated":
            self._leave_work()
            self._say("error.session_expired", "error", error.code)
            return
        self._say(self._error_key(error), "error", error.code, **error.details)
        if error.code in STALE:
            self._refresh({"window", "waiting"})

    def _error_key(self, error: ApiError | None) -> str:
        if error is None:
            return "error.other"
        key = f"error.{error.code}"
        return key if self.strings.has(key) else "error.other"

    def _show_window_text(self) -> None:
        if self.devices is None or self.window is None:
            return
        if self.window_state == "paused":
            self.devices.show(paused_text(self.window))
        elif self.window_state == "closed":
            self.devices.clear()
        elif self.current is None:
            self.devices.show(idle_text(self.window))

    # -- transfer ---------------------------------------------------------------------------
    def open_transfer(self) -> None:
        if Action.TRANSFER in self.enabled:
            self.request = Action.TRANSFER
            self._changed()

    def transfer_choices(self, query: str = "") -> list[QueueEntry]:
        if self.queue_index is None:
            return []
        return self.queue_index.search(query, exclude=self.current.queue_id if self.current else None)

    # -- devices --------------------------------------------------------------------------------
    def keypad(self, event: Any) -> None:
        """A keypad event (on the UI thread): the same path as a touch."""
        if self.screen != "work":
            log.warning("keypad %s ignored: nobody is signed in", getattr(event, "action", event))
            return
        command = keypad_command(str(getattr(event, "action", "")), getattr(event, "argument", None),
                                 window_state=self.window_state)
        if command is None:
            return
        self.press(command.action, command.argument, source="keypad")

    def evaluator_event(self, event: Any) -> None:
        self.ratings.evaluator_event(event, working=self.screen == "work")

    def rate_on_screen(self, level: int, reasons: list[str] | None = None) -> bool:
        """The visitor's answer on the rating panel (reasons as message keys)."""
        return self.ratings.on_screen(level, [self.strings.t(r, "zh") for r in (reasons or [])])

    def skip_rating(self) -> None:
        self.ratings.skip()

    def _client_for(self, token: str | None) -> HallClient | None:
        if self.server_url is None:
            return None
        token = token or ""
        if token not in self._clients:
            self._clients[token] = self._client_factory(self.server_url, token or None,
                                                        fingerprint=self.fingerprint)
        return self._clients[token]

    # -- keeping up to date -------------------------------------------------------------------
    def _refresh(self, parts: set[str]) -> None:
        if self.screen != "work" or self.client is None or self.window is None:
            return
        if self._refreshing:
            self._pending_parts |= parts
            return
        self._refreshing = True
        client, window, version = self.client, self.window, self._version
        wanted = set(parts)
        known = {self.current.id: self.current.priority} if self.current and self.current.priority else {}

        def fetch() -> dict[str, Any]:
            out: dict[str, Any] = {}
            if "window" in wanted:
                snap = client.snapshot(windows=str(window))
                out["window"] = next((w for w in snap.get("windows", []) if w["number"] == window), None)
                _with_priority(client, (out["window"] or {}).get("current"), known)
                # held tickets survive an app restart: the server keeps them, not this session
                out["held"] = client.window_held(window)
            if "waiting" in wanted:
                out["waiting"] = client.window_waiting(window)
            if "stats" in wanted:
                out["stats"] = client.statistics(mine=True)
            if "catalog" in wanted:
                queues = client.queues()
                out["queues"] = QueueIndex(queues)
                out["services"] = {int(s["id"]): s for s in client.services()}
            return out

        def done(out: dict[str, Any] | None, error: ApiError | None) -> None:
            self._refreshing = False
            if error is not None or out is None:
                self._note_error(error or ApiError("client_error", ""))
                if error is not None and error.code == "unauthenticated":
                    self._leave_work()
                    self._say("error.session_expired", "error", error.code)
                    return
                self._pending_parts |= wanted
                self._changed()
                return
            self.http_ok = True
            if "window" in out and version != self._version:
                wanted.discard("window")
                self._pending_parts.add("window")  # an action landed meanwhile: ask again
            else:
                self._apply_window(out.get("window"))
            if "held" in out and "window" in wanted:
                self.held = [Held(int(h["id"]), str(h["number"])) for h in out["held"]]
            if "waiting" in out:
                self._apply_waiting(out["waiting"])
            if "stats" in out:
                self.stats = {k: int(v) for k, v in (out["stats"].get("totals") or {}).items()}
            if "queues" in out:
                self.queue_index = out["queues"]
                self.services = out["services"]
            self._changed()
            if self._pending_parts:
                pending, self._pending_parts = self._pending_parts, set()
                self._refresh(pending)

        self._submit(fetch, done)

    def _apply_window(self, snap: dict[str, Any] | None) -> None:
        if snap is None:
            return
        before = (self.window_state, self.pause_reason)
        self.window_state = snap.get("state")
        self.pause_reason = snap.get("pause_reason")
        if before[0] is not None and before != (self.window_state, self.pause_reason):
            self._show_window_text()   # changed from elsewhere (a floor manager)
        english = snap.get("name_en") if self.strings.language == "en" else None
        self.window_name = str(english or snap.get("name_zh") or "")
        self.current = ticket_from_snapshot(snap.get("current"), self.current, self.clock())
        if self.current is None:
            self.case_number = ""

    def _apply_waiting(self, rows: list[dict[str, Any]]) -> None:
        self.waiting = waiting_from_rows(rows)
        if self.devices is not None:
            self.devices.show_waiting(self.waiting_total)

    def _stream_state(self, state: str) -> None:
        if self.screen != "work":
            return
        if state in ("connected", "resync"):
            if not self.stream_ok:
                log.info("live events connected")
            self.stream_ok, self.stream_down = True, False
            self._refresh({"window", "waiting", "stats"})
        elif state == "disconnected":
            if self.stream_ok:
                log.warning("live events disconnected")
            self.stream_ok, self.stream_down = False, True
            self._next_probe = self.clock() + PROBE_S
        elif state == "unauthorized":
            self._leave_work()
            self._say("error.session_expired", "error", "unauthenticated")
            return
        self._changed()

    def _event(self, message: dict[str, Any]) -> None:
        if self.screen != "work" or self.window is None:
            return
        effect = event_effect(message, window=self.window, queue_ids={w.queue_id for w in self.waiting},
                              current_id=self.current.id if self.current else None,
                              held_ids={h.id for h in self.held})
        for waiting in self.waiting:
            waiting.count = effect.counts.get(waiting.queue_id, waiting.count)
        if effect.held is not None:
            self.held.append(effect.held)
        if effect.released is not None:
            self.held = [h for h in self.held if h.id != effect.released]
        if effect.refresh or effect.counts or effect.held or effect.released:
            self._changed()
            self._refresh(effect.refresh)

    # -- time -----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Called by the screen about twice a second: timeouts, retries, reconnection."""
        if self._closed:
            return
        changed = self.ratings.tick() | self._undo_tick()
        now = self.clock()
        if self.screen == "connecting" and self.client is None and now >= self._next_probe \
                and self.message is not None:
            self._next_probe = now + PROBE_S * 3
            self.start()
        elif self.screen == "work" and not self.http_ok and not self._refreshing and now >= self._next_probe:
            self._next_probe = now + PROBE_S
            self._refresh({"window", "waiting", "stats"})
        if changed:
            self._changed()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._stream is not None:
            self._stream.stop(timeout=1)
        if self.devices is not None:
            self.devices.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for client in [self.client, *self._clients.values()]:
            if client is not None:
                client.close()


def _with_priority(client: HallClient, current: dict[str, Any] | None, known: dict[int, str]) -> None:
    """Add the priority to a window snapshot's current ticket (the snapshot leaves it out)."""
    if current is None or current.get("priority"):
        return
    if current["id"] in known:
        current["priority"] = known[current["id"]]
        return
    try:
        current["priority"] = client.get(f"/tickets/{int(current['id'])}").get("priority")
    except ApiError as exc:   # a counter device's sign-in may not read tickets: no badge then
        log.info("priority of ticket %s unknown: %s", current["id"], exc.code)
