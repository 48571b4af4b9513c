"""Fault tests: real server processes on 127.0.0.1, killed, starved of their database or of
paper. Every wait is bounded; the whole folder runs in a few minutes per database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow
