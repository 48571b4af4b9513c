"""PROTOCOLS.md is part of the contract: every example frame in it must be valid."""

from __future__ import annotations

import re
from pathlib import Path

import hallq.hardware
import pytest
from hallq.hardware.serial.framing import FrameParser, encode_legacy_display

pytestmark = pytest.mark.timeout(30)

DOC = Path(hallq.hardware.__file__).with_name("PROTOCOLS.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```frame\n(.*?)\n```", DOC, re.S)


def test_the_document_has_examples() -> None:
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_is_one_valid_frame(example: str) -> None:
    parser = FrameParser()
    frames = parser.feed(bytes.fromhex(example))
    assert len(frames) == 1
    assert parser.stats.garbage_bytes == 0


def test_the_legacy_example_matches_the_encoder() -> None:
    legacy = "01 05 41 30 30 31 20 C7 EB B5 BD 35 BA C5 B4 B0 BF DA 07"
    assert legacy in DOC
    assert bytes.fromhex(legacy) == encode_legacy_display(5, "A001 请到5号窗口")
