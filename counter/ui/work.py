"""The clerk's working screen: the ticket at the window, the actions, what is waiting."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from ..model import CounterModel, WorkState, duration
from ..model.state import priority_badge
from .widgets import FlatButton


class WorkScreen(Screen):
    title_text = StringProperty("")
    clerk_text = StringProperty("")
    online = BooleanProperty(True)
    online_text = StringProperty("")
    state = StringProperty("")
    state_text = StringProperty("")
    number_text = StringProperty("")
    service_text = StringProperty("")
    waited_text = StringProperty("")
    timer_text = StringProperty("")
    recalls_text = StringProperty("")
    priority = StringProperty("")
    priority_text = StringProperty("")
    undo_text = StringProperty("")
    message = StringProperty("")
    message_error = BooleanProperty(False)
    waiting_total = StringProperty("")
    stats_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._waiting_shown: Any = None
        self._held_shown: Any = None

    def sync(self, model: CounterModel) -> None:
        t = model.text
        heading = t("window.heading", number=model.window or "")
        name = model.window_name
        # Halls often name a window after its number ("20号窗口（企业登记）"): say it once.
        self.title_text = name if name.startswith(heading) else " · ".join(x for x in (heading, name) if x)
        staff = model.staff or {}
        self.clerk_text = t("work.clerk", name=staff.get("display_name") or staff.get("username") or "",
                            staff_number=staff.get("staff_number") or "—")
        self.online = model.online
        self.online_text = t("work.online" if model.online else "work.offline")
        state = model.state
        self.state = state.value
        self.state_text = (t("state.paused", reason=model.pause_reason or "") if state is WorkState.PAUSED
                           else t(f"state.{state.value}"))
        current = model.current
        badge = priority_badge(current.priority) if current is not None else None
        self.priority = (current.priority or "") if current is not None and badge else ""
        self.priority_text = t(badge) if badge else ""
        if current is None:
            self.number_text = t("ticket.none")
            self.service_text = self.waited_text = self.recalls_text = ""
        else:
            self.number_text = current.number
            name = model.service_name(current.service_id)
            self.service_text = t("ticket.service", service=name) if name else ""
            self.waited_text = t("ticket.waited", time=duration(current.waited_s))
            self.recalls_text = (t("ticket.recalls", count=current.recall_count)
                                 if current.recall_count else "")
        if self.ids.case_number.text != model.case_number:
            self.ids.case_number.text = model.case_number  # cleared when the ticket changes
        self.sync_timer(model)
        message = model.message
        if model.busy is not None:
            self.message, self.message_error = t("work.busy"), False
        elif message is None:
            self.message, self.message_error = "", False
        else:
            self.message = t(message.key, **{"code": message.code or "", **message.params})
            self.message_error = message.kind == "error"
        self.waiting_total = t("work.waiting_count", count=model.waiting_total) if model.waiting else ""
        stats = model.stats
        self.stats_text = "    ".join([
            f"{t('stats.done')} {stats.get('done', 0)}",
            f"{t('stats.no_show')} {stats.get('no_show', 0)}",
            f"{t('stats.handled')} {sum(stats.values())}"])
        self._sync_waiting(model)
        self._sync_held(model)

    def sync_timer(self, model: CounterModel) -> None:
        left = model.undo_left()
        self.undo_text = model.text("work.undo", seconds=int(left + 0.999)) if left > 0 else ""
        current = model.current
        if current is None:
            self.timer_text = ""
            return
        key = "ticket.serving_for" if current.status == "serving" else "ticket.called_for"
        self.timer_text = model.text(key, time=duration(model.elapsed()))

    def _sync_waiting(self, model: CounterModel) -> None:
        shown = (model.strings.language, [(w.queue_id, w.count, tuple(w.next)) for w in model.waiting])
        if shown == self._waiting_shown:
            return
        self._waiting_shown = shown
        box = self.ids.waiting_list
        box.clear_widgets()
        if not model.waiting:
            box.add_widget(Factory.Muted(text=model.text("work.waiting_none")))
        for w in model.waiting:
            row = BoxLayout(size_hint_y=None, height=dp(30), spacing=dp(6))
            row.add_widget(Factory.Text(text=model.text("work.waiting_row", prefix=w.prefix,
                                                        name=model.queue_name(w)), height=dp(30)))
            row.add_widget(Factory.Text(text=model.text("work.waiting_count", count=w.count), halign="right",
                                        size_hint_x=None, width=dp(70), height=dp(30), bold=True))
            box.add_widget(row)
            if w.next:
                box.add_widget(Factory.Muted(text="  " + "  ".join(w.next)))

    def _sync_held(self, model: CounterModel) -> None:
        shown = (model.strings.language, [h.id for h in model.held])
        if shown == self._held_shown:
            return
        self._held_shown = shown
        box = self.ids.held_list
        box.clear_widgets()
        if not model.held:
            box.add_widget(Factory.Muted(text=model.text("work.held_none")))
        for held in model.held:
            button = FlatButton(text=f"{held.number}    {model.text('action.resume')}", size_hint_y=None,
                                height=dp(44), tint=(0.4, 0.45, 0.65, 1))
            button.ticket_number = held.number
            button.bind(on_release=lambda b: App.get_running_app().press("resume", b.ticket_number))
            box.add_widget(button)
