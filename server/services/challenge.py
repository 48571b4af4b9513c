"""The booking page's verification question (人机验证): a small sum, checked without a session.

The server keeps nothing when it asks: the token carries its expiry and a random nonce, and
two HMACs under keys derived from the hall's secret, one over the token itself (a forged or
altered token is told apart from a wrong answer) and one binding the answer to the nonce (the
answer is never in the token in clear). A token is good for one try: the first try records
the nonce in a limit counter that lives until the token expires, and a second try of the
same token finds it there.

It is a speed bump for plain booking scripts, not a CAPTCHA: a script that reads the
question can answer it. The booking limits are what bound abuse; the question makes every
booking cost one more round trip and a parse, and the hall turns it on (booking_challenge)
when scripts appear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ..engine import QueueError
from . import limits as limit_counts
from .limits import Limit

TTL_S = 300          # a person fills the form in a few minutes; the page asks anew when it lapses
_TAG_BYTES = 16
_TOKEN = re.compile(r"^([0-9]{1,12})\.([0-9a-f]{32})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$")
USED = "booking:challenge"

MESSAGES = {
    "wrong_answer": "the answer to the verification question is wrong; answer the new question",
    "expired": "the verification question has expired; answer the new question",
    "forged": "the verification token is not one this hall issued",
    "used": "this verification question has been answered already; answer the new question",
}


@dataclass(frozen=True)
class Challenge:
    """A question to show, and the token to send back with its answer."""

    question: str
    token: str
    expires_at: datetime

    def as_dict(self, now: datetime) -> dict[str, object]:
        return {"question": self.question, "token": self.token, "expires_at": self.expires_at.isoformat(),
                "expires_in_s": max(0, int((self.expires_at - now).total_seconds()))}


@dataclass(frozen=True)
class Opened:
    """A token found authentic: its nonce and expiry, and whether ``answer`` is right."""

    nonce: str
    expires_at: datetime
    right: bool


def _key(secret: bytes, purpose: bytes) -> bytes:
    # Keys of their own, so a challenge tag can never be read as any other keyed hash of the hall.
    return hmac.new(secret, b"hallq challenge " + purpose, hashlib.sha256).digest()


def _tag(key: bytes, *parts: str) -> str:
    mac = hmac.new(key, "|".join(parts).encode(), hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _answer_tag(secret: bytes, expires: str, nonce: str, answer: int) -> str:
    return _tag(_key(secret, b"answer"), expires, nonce, str(answer))


def _token_tag(secret: bytes, expires: str, nonce: str, answer_tag: str) -> str:
    return _tag(_key(secret, b"token"), expires, nonce, answer_tag)


def issue(secret: bytes, *, now: datetime, ttl_s: int = TTL_S, numbers: tuple[int, int] | None = None) -> Challenge:
    """A new question ("7 + 5 = ?") and its signed token. ``numbers`` fixes the sum (tests)."""
    a, b = numbers or (secrets.randbelow(9) + 1, secrets.randbelow(9) + 1)
    expires = int(now.timestamp()) + ttl_s
    nonce = secrets.token_hex(16)
    answer_tag = _answer_tag(secret, str(expires), nonce, a + b)
    token = f"{expires}.{nonce}.{answer_tag}.{_token_tag(secret, str(expires), nonce, answer_tag)}"
    return Challenge(f"{a} + {b} = ?", token, datetime.fromtimestamp(expires, UTC))


def read_answer(answer: str | int) -> int | None:
    """The number a person typed: full-width digits and spaces as a Chinese keyboard gives them."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    text = unicodedata.normalize("NFKC", answer).strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,4}", text) else None


def open_token(secret: bytes, token: str, answer: str | int, *, now: datetime) -> Opened:
    """Check a token and an answer without writing anything. Refuses a forged or expired token
    with ``challenge_failed``; a wrong answer comes back as ``right=False``."""
    found = _TOKEN.match(token or "")
    if found is None:
        raise _failed("forged")
    expires, nonce, answer_tag, token_tag = found.groups()
    if not hmac.compare_digest(token_tag, _token_tag(secret, expires, nonce, answer_tag)):
        raise _failed("forged")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if now >= expires_at:
        raise _failed("expired")
    number = read_answer(answer)
    right = number is not None and hmac.compare_digest(answer_tag, _answer_tag(secret, expires, nonce, number))
    return Opened(nonce, expires_at, right)


def redeem(session: Session, secret: bytes, token: str, answer: str | int, *, now: datetime) -> QueueError | None:
    """Use a token once: answers the refusal (``challenge_failed`` with its ``reason``), or None
    for a right answer to a fresh token. A try of an authentic token, right or wrong, records
    its nonce, so one token cannot be tried with every possible answer. Like the limits, the
    caller commits before raising the refusal, so that the used nonce stays recorded."""
    try:
        opened = open_token(secret, token, answer, now=now)
    except QueueError as refusal:
        return refusal
    # Kept until the token has expired; after that the expiry alone refuses it.
    once = Limit(USED, 1, window_s=max(1, int((opened.expires_at - now).total_seconds())) + 60)
    if limit_counts.take(session, once, opened.nonce, now=now).hits > 1:
        return _failed("used")
    return None if opened.right else _failed("wrong_answer")


def _failed(reason: str) -> QueueError:
    return QueueError("challenge_failed", MESSAGES[reason], reason=reason, field="challenge")
