"""hardware/README.md documents every profile setting, error code and clip name."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import hallq.hardware
import pytest
from hallq.hardware.errors import IDCARD_CODES, PRINTER_CODES, SERIAL_CODES, VOICE_CODES
from hallq.hardware.printer import PrinterProfile
from hallq.hardware.voice.clips import CLIPS, SPECIAL

pytestmark = pytest.mark.timeout(30)

README = Path(hallq.hardware.__file__).with_name("README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in fields(PrinterProfile)])
def test_every_profile_field_is_documented(name: str) -> None:
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("code", sorted(set(PRINTER_CODES) | set(SERIAL_CODES)
                                        | set(VOICE_CODES) | set(IDCARD_CODES)))
def test_every_error_code_is_documented(code: str) -> None:
    assert f"`{code}`" in README


def _documented_clips() -> set[str]:
    """Names listed literally, plus ranges written as `en_0` ... `en_19`."""
    listed = README[README.index("The names:"):README.index("- `AnnouncementQueue(")]
    names = set(re.findall(r"`(\w+)`", listed))
    for first, last in re.findall(r"`(\w+?)` \.\.\.\s+`(\w+?)`", listed):
        prefix, a = first.rsplit("_", 1)
        b = last.rsplit("_", 1)[1]
        if a.isdigit():
            step = 10 if a.endswith("0") and int(a) >= 20 else 1
            names.update(f"{prefix}_{i}" for i in range(int(a), int(b) + 1, step))
        else:
            names.update(f"{prefix}_{chr(c)}" for c in range(ord(a), ord(b) + 1))
    return names


def test_every_clip_name_is_documented() -> None:
    assert set(CLIPS) | set(SPECIAL) <= _documented_clips()
