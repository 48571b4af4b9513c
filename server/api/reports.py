"""Reports and the aggregates the floor manager's charts draw, for managers and admins.

``GET /reports/summary`` answers JSON, CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from ..services import reports
from ..services.actors import Actor
from ..services.hall import get_hall, today
from .deps import MANAGERS, Day, DbDep, NowDep, require

router = APIRouter(prefix="/reports", tags=["reports"])
Manager = Annotated[Actor, Depends(require(*MANAGERS))]
By = Literal["day", "department", "queue", "window", "clerk"]
Format = Literal["json", "csv", "xlsx"]
Lang = Literal["zh", "en"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Columns of an exported report: (key of the translation, value of a row dict).
COLUMNS: list[tuple[str, Any]] = [
    ("report.col.key", lambda r: r["key"]),
    ("report.col.name", None),   # the row's label in the report's language
    ("report.col.tickets", lambda r: r["tickets"]),
    ("report.col.served", lambda r: r["served"]),
    ("report.col.no_show", lambda r: r["no_show"]),
    ("report.col.cancelled", lambda r: r["cancelled"]),
    ("report.col.wait_avg_min", lambda r: _minutes(r["wait_avg_s"])),
    ("report.col.wait_p90_min", lambda r: _minutes(r["wait_p90_s"])),
    ("report.col.service_avg_min", lambda r: _minutes(r["service_avg_s"])),
    ("report.col.service_p90_min", lambda r: _minutes(r["service_p90_s"])),
    *[(f"evaluation.level.{level}", (lambda lv: lambda r: r["evaluations"][str(lv)])(level))
      for level in reports.LEVELS],
    ("report.col.bad", lambda r: r["bad"]),
]


def _minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def _days(db: DbDep, now: NowDep, start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        with db.read() as s:
            day = today(get_hall(s), now)
        start, end = start or end or day, end or start or day
    return start, end


def table(report: dict[str, Any], lang: str) -> list[list[Any]]:
    """The report as rows of cells, a header first and the total last."""
    from ..web.i18n import messages

    words = messages(lang)
    header = [words.get(key, key) for key, _ in COLUMNS]
    out: list[list[Any]] = [header]
    for row in [*report["rows"], report["total"]]:
        out.append([row[f"label_{lang}"] if get is None else get(row) for _, get in COLUMNS])
    return out


def as_csv(cells: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in cells:
        writer.writerow(["" if c is None else c for c in line])
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(cells: list[list[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for line in cells:
        sheet.append(line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/summary", responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
def summary(db: DbDep, now: NowDep, _actor: Manager,
            start: Annotated[Day | None, Query(alias="from", description="first business day (default today)")] = None,
            end: Annotated[Day | None, Query(alias="to", description="last business day (default from)")] = None,
            by: By = "department", format: Format = "json", lang: Lang = "zh") -> Any:
    """Tickets, no-shows, average and 90th-percentile waiting and service times and the
    好差评 levels, per day, department, queue, window or clerk."""
    start, end = _days(db, now, start, end)
    with db.read() as s:
        report = reports.summary(s, start, end, by)
    if format == "json":
        return report
    cells = table(report, lang)
    name = f"hallq-report-{by}-{start.isoformat()}_{end.isoformat()}"
    if format == "csv":
        return Response(as_csv(cells), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(as_xlsx(cells, f"{by} {start.isoformat()}"), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@router.get("/hourly")
def hourly(db: DbDep, now: NowDep, _actor: Manager,
           day: Annotated[Day | None, Query(alias="date")] = None) -> dict[str, Any]:
    """Tickets issued per hour of the day, per department."""
    day, _ = _days(db, now, day, day)
    with db.read() as s:
        return reports.hourly(s, day)


@router.get("/waits")
def waits(db: DbDep, now: NowDep, _actor: Manager,
          start: Annotated[Day | None, Query(alias="from")] = None,
          end: Annotated[Day | None, Query(alias="to")] = None) -> dict[str, Any]:
    """The distribution of waiting times (called_at - issued_at) in minute buckets."""
    start, end = _days(db, now, start, end)
    with db.read() as s:
        return reports.wait_distribution(s, start, end)


@router.get("/trend")
def trend(db: DbDep, now: NowDep, _actor: Manager,
          minutes: Annotated[int, Query(ge=5, le=1440)] = 60,
          step: Annotated[int, Query(ge=1, le=240)] = 5) -> dict[str, Any]:
    """Tickets waiting per queue and department over the last ``minutes``."""
    with db.read() as s:
        return reports.waiting_trend(s, now, minutes=minutes, step_min=step)
