"""Fixtures of the credit tests: demo companies, loaded or as files."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hallq.server.credit import demo, import_rows
from hallq.server.credit.files import Origin, SourceRow
from hallq.server.credit.importer import ImportReport
from hallq.server.db import Database
from hallq.server.services.actors import SYSTEM


def load(db: Database, records: list[dict[str, Any]], now: datetime | None = None) -> ImportReport:
    rows = [SourceRow(Origin("test", i), r) for i, r in enumerate(records, start=1)]
    return import_rows(db, rows, actor=SYSTEM, now=now or datetime.now(UTC))


@pytest.fixture(scope="session")
def demo_records() -> list[dict[str, Any]]:
    return list(demo.companies(300, seed=7))


def company(code: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "type": "有限责任公司（自然人投资或控股）", "legal_representative": "王伟",
            "established": "2018-05-04", "status": "存续", **fields}
