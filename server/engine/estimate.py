"""Estimated wait and learned service times."""

from __future__ import annotations

import math


def ewma(previous_s: float | None, sample_s: float, alpha: float) -> float:
    """Exponentially weighted mean service time; the first sample stands alone."""
    if sample_s < 0:
        raise ValueError("a service time cannot be negative")
    if previous_s is None:
        return float(sample_s)
    return alpha * sample_s + (1 - alpha) * previous_s


def estimate_wait_s(ahead: int, mean_service_s: float, serving_windows: int) -> int:
    """Seconds until a ticket with ``ahead`` people before it is likely to be called.

    The windows now open for the queue work through those ahead in parallel; with no window
    open the estimate assumes one will open (a hall does not leave a queue unserved).
    """
    if ahead <= 0:
        return 0
    windows = max(1, serving_windows)
    return int(math.ceil(ahead * max(0.0, mean_service_s) / windows))
