"""Counter devices on serial lines: LED window displays, caller keypads, evaluators.
The protocols are specified in ``hardware/PROTOCOLS.md``."""

from __future__ import annotations

from .display import WindowDisplay
from .evaluator import (
    EvaluationTimeout,
    Evaluator,
    EvaluatorEvent,
    EvaluatorProtocol,
    EvaluatorUnreachable,
    Rating,
)
from .framing import Frame, FrameParser
from .keypad import Keypad, KeypadAction, KeypadEvent, KeypadProtocol
from .sim import DisplaySimulator, EvaluatorSimulator, KeypadSimulator

__all__ = [
    "DisplaySimulator",
    "EvaluationTimeout",
    "Evaluator",
    "EvaluatorEvent",
    "EvaluatorProtocol",
    "EvaluatorSimulator",
    "EvaluatorUnreachable",
    "Frame",
    "FrameParser",
    "Keypad",
    "KeypadAction",
    "KeypadEvent",
    "KeypadProtocol",
    "KeypadSimulator",
    "Rating",
    "WindowDisplay",
]
