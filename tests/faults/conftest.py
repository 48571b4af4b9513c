"""Fault tests: real server processes on 127.0.0.1, killed, starved of their database or of
paper. Every wait is bounded; the whole folder runs in a few minutes per database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _kiosks_unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault tests' kiosks issue as fast as they can: the per-kiosk limit is off for the
    servers they start (which take the environment)."""
    monkeypatch.setenv("HALLQ_KIOSK_ISSUES_PER_MINUTE", "0")
