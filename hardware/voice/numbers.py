"""Which clips read a call aloud, in Chinese and in English. Pure.

A ticket number is read character by character ("A001": A 零 零 一); a window number is
read as a number, the Chinese way (12: 十二, 20: 二十, 105: 一百零五) or in English words.
"""

from __future__ import annotations

from ..errors import VoiceError

LANGUAGES = ("zh", "en")
MAX_WINDOW = 9999


def zh_number(n: int) -> list[str]:
    """Clips reading ``n`` (0..9999) in Mandarin: 十 alone for 10-19, 零 for inner gaps."""
    if not 0 <= n <= MAX_WINDOW:
        raise VoiceError("bad_number", f"{n} is outside 0..{MAX_WINDOW}")
    if n == 0:
        return ["zh_0"]
    units = [(1000, "zh_qian"), (100, "zh_bai"), (10, "zh_shi"), (1, "")]
    out: list[str] = []
    pending_zero = False
    for value, unit in units:
        digit = n // value % 10
        if digit == 0:
            if out:
                pending_zero = True
            continue
        if pending_zero:
            out.append("zh_0")
            pending_zero = False
        if not (unit == "zh_shi" and digit == 1 and not out):  # 十二, not 一十二
            out.append(f"zh_{digit}")
        if unit:
            out.append(unit)
    return out


def en_number(n: int) -> list[str]:
    """Clips reading ``n`` (0..9999) in English words."""
    if not 0 <= n <= MAX_WINDOW:
        raise VoiceError("bad_number", f"{n} is outside 0..{MAX_WINDOW}")
    if n < 20:
        return [f"en_{n}"]
    out: list[str] = []
    thousands, rest = divmod(n, 1000)
    if thousands:
        out += [f"en_{thousands}", "en_thousand"]
    hundreds, rest = divmod(rest, 100)
    if hundreds:
        out += [f"en_{hundreds}", "en_hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        out.append(f"en_{tens * 10}")
        if ones:
            out.append(f"en_{ones}")
    elif rest or not out:
        out.append(f"en_{rest}")
    return out


def ticket_clips(number: str, language: str) -> list[str]:
    """Clips spelling a ticket number: letters by name, digits one by one."""
    number = number.strip().upper()
    if not number or len(number) > 12:
        raise VoiceError("bad_number", f"cannot read ticket number {number!r}")
    out: list[str] = []
    for ch in number:
        if "A" <= ch <= "Z":
            out.append(f"letter_{ch.lower()}")
        elif ch.isdigit() and ch.isascii():
            out.append(f"{language}_{ch}")
        elif ch in "- ":
            continue
        else:
            raise VoiceError("bad_number", f"cannot read {ch!r} in ticket number {number!r}")
    return out


def window_number(window: int | str) -> int:
    try:
        value = int(str(window).strip())
    except ValueError as exc:
        raise VoiceError("bad_number", f"window {window!r} is not a number") from exc
    if not 0 <= value <= MAX_WINDOW:
        raise VoiceError("bad_number", f"window {value} is outside 0..{MAX_WINDOW}")
    return value


def call_clips(number: str, window: int | str, language: str) -> list[str]:
    """The clip names of one call: "请A001号到5号窗口办理" or
    "Ticket A001, please go to window 5"."""
    win = window_number(window)
    if language == "zh":
        return (["zh_qing"] + ticket_clips(number, "zh") + ["zh_hao", "zh_dao"]
                + zh_number(win) + ["zh_hao", "zh_chuangkou", "zh_banli"])
    if language == "en":
        return (["en_ticket"] + ticket_clips(number, "en") + ["pause", "en_please_go_to",
                                                             "en_window"] + en_number(win))
    raise VoiceError("bad_number", f"no announcement language {language!r}; use zh or en")
