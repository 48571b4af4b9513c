"""The counter's words and glyphs: every label string is drawable in the font the app
registers, the pad carries every prefix letter the demo hall uses, and each action has one
word of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hallq.counter.model import devices
from hallq.counter.model.pad import BACK, CLEAR, DIGITS, LETTERS, key_label, typed

from hallq.ui.fonts import cjk_font_path
from tests.support.glyphs import kv_literals, missing

ROOT = Path(__file__).resolve().parents[2]
STRINGS = ROOT / "counter" / "strings"


def strings(language: str) -> dict[str, str]:
    return dict(json.loads((STRINGS / f"{language}.json").read_text("utf-8")))


def label_texts() -> list[str]:
    texts = [v for lang in ("zh", "en") for v in strings(lang).values()]
    texts += [key_label(k) for k in (*DIGITS, *LETTERS)]
    texts += kv_literals(ROOT / "counter" / "ui")
    texts += [devices.call_text("A001", 5), devices.idle_text(5), devices.paused_text(5), "hallq 窗口工作台"]
    return texts


def test_every_label_glyph_is_in_the_font_used() -> None:
    font = cjk_font_path()
    if font is None:
        pytest.skip("no CJK font installed (scripts/system-deps.sh installs one)")
    assert missing(label_texts(), font) == {}


def test_the_glyph_check_can_fail() -> None:
    font = cjk_font_path()
    if font is None:
        pytest.skip("no CJK font installed")
    assert set(missing(["撤销 ⌫"], font)) == {"⌫"}     # the glyph the pad once used


def test_the_pad_types_every_prefix_of_the_demo_hall() -> None:
    hall = yaml.safe_load((ROOT / "server" / "data" / "demo-hall.yaml").read_text("utf-8"))
    prefixes = {q["prefix"] for q in hall["queues"]}
    assert max(len(p) for p in prefixes) >= 2
    for prefix in prefixes:
        text = ""
        for key in f"{prefix}012":
            assert key in LETTERS or key in DIGITS, (prefix, key)
            text = typed(text, key)
        assert text == f"{prefix}012"
    assert typed("GH01", BACK) == "GH0" and typed("GH01", CLEAR) == ""
    assert typed("A" * 10, "1") == "A" * 10


def test_one_word_per_action() -> None:
    for language in ("zh", "en"):
        words = strings(language)
        actions = {k: v for k, v in words.items() if k.startswith("action.")}
        assert len(set(actions.values())) == len(actions), language
        # opening the window and starting to serve a visitor are told apart
        assert words["action.open"] != words["action.start"]
        if language == "zh":
            assert words["action.start"] == "开始办理" and words["action.open"] == "开放窗口"
            assert not any("开始服务" in v for v in words.values())
            # the hint names each key's action with the button's own word
            for key in ("action.start", "action.finish", "action.no-show", "action.transfer"):
                assert words[key] in words["key.hint"]
