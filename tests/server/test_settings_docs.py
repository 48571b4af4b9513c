"""docs/configuration.md documents every setting, and only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path

from hallq.server.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ROW = re.compile(r"^\|\s*`([a-z0-9_]+)`\s*\|(.+)\|\s*$", re.MULTILINE)


def documented() -> dict[str, str]:
    return {m.group(1): m.group(2) for m in ROW.finditer(DOCS.read_text(encoding="utf-8"))}


def test_every_setting_has_a_row():
    missing = set(Settings.model_fields) - set(documented())
    assert missing == set(), f"undocumented settings: {sorted(missing)}; add them to {DOCS.name}"


def test_every_row_is_a_setting_with_a_meaning():
    rows = documented()
    assert set(rows) - set(Settings.model_fields) == set()
    for name, cells in rows.items():
        meaning = cells.split("|")[-1].strip()
        assert len(meaning) > 10, name


def test_every_setting_has_a_description_in_the_code():
    assert [name for name, f in Settings.model_fields.items() if not f.description] == []
