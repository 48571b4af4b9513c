"""``hallq samples`` and ``hallq voice``, run as the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import zxingcpp
from hallq.hardware.samples import SAMPLE_GUIDE, SAMPLE_TICKET
from PIL import Image

pytestmark = pytest.mark.timeout(120)

def run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("hallq"))
    return subprocess.run([exe, "--log-level", "WARNING", *args], capture_output=True,
                          text=True, timeout=100,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache)})


def test_samples(tmp_path: Path, clip_cache: Path) -> None:
    out = tmp_path / "samples"
    result = run("samples", "--out", str(out), cache=clip_cache.parent)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["announcement-A001-window5.wav", "credit-summary.png",
                     "guide-checklist.png", "ticket-58mm-raster.png", "ticket-native.png",
                     "ticket-raster.png"]
    for name, width in [("ticket-native.png", 576), ("ticket-raster.png", 576),
                        ("ticket-58mm-raster.png", 384)]:
        with Image.open(out / name) as img:
            assert img.width == width
            assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [
                SAMPLE_TICKET.status_url]
    with Image.open(out / "guide-checklist.png") as img:
        assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [
            SAMPLE_GUIDE.guide_url]
    with wave.open(str(out / "announcement-A001-window5.wav")) as wav:
        assert wav.getnchannels() == 1 and wav.getframerate() == 16000
        assert 5 < wav.getnframes() / wav.getframerate() < 20


def test_voice_say_and_clips(tmp_path: Path, clip_cache: Path) -> None:
    target = tmp_path / "call.wav"
    result = run("voice", "say", "B012", "12", "--out", str(target), "--lang", "zh",
                 "--cache", str(clip_cache), cache=tmp_path)
    assert result.returncode == 0, result.stderr
    with wave.open(str(target)) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 22050 * 2
    listing = run("voice", "clips", "--cache", str(clip_cache), cache=tmp_path)
    assert "zh_chuangkou.wav\t窗口\tcache" in listing.stdout.splitlines()
    assert "chime.wav\t-\tbuilt-in" in listing.stdout.splitlines()


def test_voice_errors_are_clean_messages(tmp_path: Path) -> None:
    result = run("voice", "say", "A0?1", "5", "--out", str(tmp_path / "x.wav"),
                 cache=tmp_path)
    assert result.returncode != 0
    assert "bad_number" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_clips(tmp_path: Path) -> None:
    result = run("voice", "build-clips", "--cache", str(tmp_path / "c"), cache=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "generated 77 clips" in result.stdout
    again = run("voice", "build-clips", "--cache", str(tmp_path / "c"), cache=tmp_path)
    assert "generated 0 clips" in again.stdout
