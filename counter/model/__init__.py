"""The counter's view-model: no Kivy here, and this is where the counter's tests go."""

from .actions import Action, WorkState, enabled_actions, why_not, work_state
from .counter import CounterModel
from .devices import CounterDevices, DeviceUrls, KeyCommand, call_text, keypad_command
from .evaluation import Evaluations
from .search import QueueIndex, initials
from .state import Held, Message, Ticket, Waiting, candidates
from .timers import Since, duration

__all__ = [
    "Action", "CounterDevices", "CounterModel", "DeviceUrls", "Evaluations", "Held", "KeyCommand",
    "Message", "QueueIndex", "Since", "Ticket", "Waiting", "WorkState", "call_text", "candidates",
    "duration", "enabled_actions", "initials", "keypad_command", "why_not", "work_state",
]
