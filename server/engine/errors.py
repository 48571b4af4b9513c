"""The one exception of the queue engine: a refusal with a stable machine code.

Codes are the contract between the engine, the use cases, the API and the clients;
the human text beside them is for logs and for people reading a JSON error body.
"""

from __future__ import annotations

from typing import Any


class QueueError(Exception):
    """An operation that cannot apply in the current state; nothing was changed."""

    def __init__(self, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.details = details

    def __repr__(self) -> str:
        return f"QueueError({self.code!r}, {self.message!r})"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **({"details": self.details} if self.details else {})}


# Every code the engine and the use cases raise, with the HTTP status the API gives it.
# Routers read this table; nothing else decides how an error looks on the wire.
CODES: dict[str, int] = {
    # unknown things
    "unknown_service": 404,
    "unknown_queue": 404,
    "unknown_window": 404,
    "unknown_ticket": 404,
    "unknown_department": 404,
    "unknown_staff": 404,
    "unknown_device": 404,
    # state does not allow it
    "invalid_transition": 409,
    "window_closed": 409,
    "window_paused": 409,
    "window_busy": 409,
    "window_idle": 409,
    "window_held": 409,
    "not_served_here": 409,
    "same_queue": 409,
    "queue_inactive": 409,
    "hall_closed": 409,
    "reactivation_expired": 409,
    "recall_limit": 409,
    "idempotency_conflict": 409,
    # limits
    "quota_reached": 409,
    "person_limit": 409,
    "number_exhausted": 409,
    # bad values
    "invalid_priority": 422,
    "invalid_id_number": 422,
    "invalid_phone": 422,
    "invalid_policy": 422,
    "invalid_value": 422,
    "priority_not_allowed": 403,
    # who may do what
    "unauthenticated": 401,
    "forbidden": 403,
    "rate_limited": 429,
    "sign_in_busy": 503,
    "already_exists": 409, "prefix_in_use": 409, "voice_unavailable": 503,   # administration, displays
    # appointments, evaluations, follow-ups, cases
    "unknown_appointment": 404, "slot_full": 409, "already_booked": 409, "outside_horizon": 422,
    "not_bookable": 422, "booking_blocked": 403, "too_late_to_cancel": 409, "appointment_cancelled": 409,
    "wrong_day": 409, "too_early": 409, "too_late": 409, "already_checked_in": 409,
    "challenge_required": 422, "challenge_failed": 422,   # the booking page's verification question
    "already_evaluated": 409, "not_finished": 409, "evaluation_closed": 409,
    "unknown_follow_up": 404, "already_resolved": 409, "unknown_case": 404, "case_closed": 409,
    "unknown_company": 404, "credit_unavailable": 503,   # credit records
    "writer_unavailable": 503, "invalid_command": 400, "internal_error": 500,   # the hall's writer
}


def http_status(code: str) -> int:
    return CODES.get(code, 400)
