"""Where a UI test writes a screenshot: the README's docs/screenshots when asked
(HALLQ_SCREENSHOTS=1) or when the picture is missing, else a scratch folder, so an ordinary
test run leaves the work tree as it found it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_path(name: str) -> Path:
    target = DOCS / name
    if os.environ.get("HALLQ_SCREENSHOTS") == "1" or not target.exists():
        return target
    scratch = Path(tempfile.gettempdir()) / "hallq-screenshots"
    scratch.mkdir(parents=True, exist_ok=True)
    return scratch / name
