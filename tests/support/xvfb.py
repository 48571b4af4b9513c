"""A virtual screen for UI tests: Xvfb on a free display number, ended when done."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_display() -> int:
    for number in range(90, 190):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    raise RuntimeError("no free X display number")


@contextmanager
def virtual_screen(width: int = 1280, height: int = 800) -> Iterator[dict[str, str]]:
    """Start Xvfb and yield the environment (DISPLAY, Kivy settings) a UI process needs."""
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is not installed: run scripts/system-deps.sh")
    number = _free_display()
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-ac",
                             "+extension", "GLX", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        socket = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 15
        while not socket.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        yield {**os.environ, "DISPLAY": f":{number}", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
