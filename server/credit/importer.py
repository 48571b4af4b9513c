"""Loading credit records into the database: in batches, an upsert by credit code, idempotent.

Each company is written whole or not at all: its registration row and all its sub-records
(licences, penalties, list memberships) replace what was there, inside one savepoint. A row
that fails validation is reported (file, row, field, reason) and the other rows still load.
A row whose normalized content is unchanged (same digest) is not written at all, so importing
the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..db import Database
from ..models import AuditEntry
from ..models.credit import (
    CreditCompany,
    CreditLicence,
    CreditListEntry,
    CreditNameGram,
    CreditPenalty,
)
from ..services.actors import Actor
from .files import PARTS, Issue, LoadedFile, Origin, SourceRow, undecodable_field
from .records import CompanyIn
from .search import name_grams, name_initials

DEFAULT_BATCH = 500
ANALYZE_AFTER = 1000   # rows written
_COMPANIES = cast(Table, CreditCompany.__table__)
_PART_TABLES = {"licences": cast(Table, CreditLicence.__table__), "penalties": cast(Table, CreditPenalty.__table__),
                "lists": cast(Table, CreditListEntry.__table__)}
_GRAMS = cast(Table, CreditNameGram.__table__)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    issues: list[Issue] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.warning]

    @property
    def rejections(self) -> list[Issue]:
        return [i for i in self.issues if not i.warning]

    def summary(self) -> str:
        return (f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.rejected} rejected, {len(self.warnings)} warning(s)")


def _reason(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def _field_path(loc: Sequence[Any]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def validate_row(row: SourceRow, *, default_source: str = "", lossy: bool = False
                 ) -> tuple[CompanyIn | None, list[Issue]]:
    """The row as a normalized record, or None and the reasons it is refused. ``lossy``: the
    file had undecodable bytes, so rows are searched for them."""
    from .records import normalize_code

    code = normalize_code(row.data.get("code"))
    bad = undecodable_field(row.data) if lossy else None
    if bad is not None:
        return None, [Issue(row.origin.file, row.origin.row, bad, "holds bytes that are not valid text in the "
                                                                    "file's encoding", code)]
    data = row.data
    if default_source and not data.get("source"):
        data = {**data, "source": default_source}
    try:
        record = CompanyIn.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = err.get("loc", ())
            origin: Origin = row.origin
            path = _field_path(loc)
            origins = row.parts.get(str(loc[0])) if loc else None
            if origins and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(origins):
                origin, path = origins[loc[1]], _field_path(loc[2:]) or str(loc[0])
            issues.append(Issue(origin.file, origin.row, path, _reason(err), code))
        return None, issues
    if not record.code_checked:
        return record, [Issue(row.origin.file, row.origin.row, "code", "check_character", record.code, warning=True)]
    return record, []


def company_values(record: CompanyIn, now: datetime) -> dict[str, Any]:
    tax = record.tax
    return {
        "code": record.code, "code_checked": record.code_checked, "name": record.name,
        "initials": name_initials(record.name), "type": record.type,
        "legal_representative": record.legal_representative, "registered_capital": record.registered_capital,
        "established": record.established, "address": record.address, "business_scope": record.business_scope,
        "status": record.status, "authority": record.authority,
        "tax_grade": tax.grade if tax else None, "tax_year": tax.year if tax else None,
        "tax_source": tax.source if tax else "", "source": record.source, "source_updated": record.updated,
        "digest": record.digest, "imported_at": now,
    }


def part_values(record: CompanyIn) -> dict[str, list[dict[str, Any]]]:
    """Sub-record rows of ``record`` by kind, without their company_id."""
    lists = []
    for entry in record.lists:
        values = entry.model_dump()
        values["list_code"] = values.pop("list")
        lists.append(values)
    return {"licences": [x.model_dump() for x in record.licences],
            "penalties": [x.model_dump() for x in record.penalties], "lists": lists}


def transient_company(record: CompanyIn, now: datetime) -> CreditCompany:
    """The ORM shape of a record that is not stored (from the platform's HTTP service)."""
    company = CreditCompany(**company_values(record, now))
    parts = part_values(record)
    company.licences = [CreditLicence(**v) for v in parts["licences"]]
    company.penalties = [CreditPenalty(**v) for v in parts["penalties"]]
    company.list_entries = [CreditListEntry(**v) for v in parts["lists"]]
    return company


def _by_codes(session: Session, codes: list[str]) -> list[tuple[str, int, str]]:
    """(code, id, digest) of the companies with these codes."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [(c, i, d) for c, i, d in session.execute(
            select(_COMPANIES.c.code, _COMPANIES.c.id, _COMPANIES.c.digest).where(_COMPANIES.c.code.in_(codes)))]
    # Unprepared, so planned with these codes every time: the driver prepares statements it
    # sees repeatedly, and the generic plan PostgreSQL makes of them while the table grows
    # without statistics compares every row with every code (minutes for 100,000 companies).
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute("SELECT code, id, digest FROM credit_companies WHERE code = ANY(%s)", [codes], prepare=False)
        return [(c, i, d) for c, i, d in cursor.fetchall()]


def _database_errors(session: Session) -> tuple[type[BaseException], ...]:
    """What a refused write raises: SQLAlchemy's wrapper, or the driver's own error from COPY."""
    return (DBAPIError, session.connection().dialect.loaded_dbapi.Error)


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT, or on PostgreSQL COPY, which takes many rows several times faster."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _write(session: Session, new: list[CompanyIn], changed: list[tuple[int, CompanyIn]], now: datetime) -> None:
    ids: dict[str, int] = {}
    if new:
        # A plain executemany and a look-up of the new ids is faster on PostgreSQL than
        # INSERT ... RETURNING over many rows.
        _insert_many(session, _COMPANIES, [company_values(r, now) for r in new])
        ids.update({code: id_ for code, id_, _ in _by_codes(session, [r.code for r in new])})
    if changed:
        stmt = update(_COMPANIES).where(_COMPANIES.c.id == bindparam("company_pk"))
        session.execute(stmt, [{**company_values(r, now), "company_pk": id_} for id_, r in changed])
        old = [id_ for id_, _ in changed]
        for table in (*_PART_TABLES.values(), _GRAMS):
            session.execute(delete(table).where(table.c.company_id.in_(old)))
        ids.update({r.code: id_ for id_, r in changed})
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in PARTS}
    grams: list[dict[str, Any]] = []
    for record in [*new, *(r for _, r in changed)]:
        company_id = ids[record.code]
        for kind, values in part_values(record).items():
            rows[kind].extend({**v, "company_id": company_id} for v in values)
        grams.extend({"gram": g, "company_id": company_id} for g in name_grams(record.name))
    for kind, values in rows.items():
        if values:
            _insert_many(session, _PART_TABLES[kind], values)
    if grams:
        _insert_many(session, _GRAMS, grams)


def _write_batch(session: Session, batch: list[tuple[SourceRow, CompanyIn]], report: ImportReport,
                 now: datetime) -> None:
    existing = {code: (id_, digest) for code, id_, digest in _by_codes(session, [r.code for _, r in batch])}
    new: list[tuple[SourceRow, CompanyIn]] = []
    changed: list[tuple[SourceRow, int, CompanyIn]] = []
    for row, record in batch:
        if record.code not in existing:
            new.append((row, record))
        elif existing[record.code][1] != record.digest:
            changed.append((row, existing[record.code][0], record))
        else:
            report.unchanged += 1
    try:
        with session.begin_nested():
            _write(session, [r for _, r in new], [(i, r) for _, i, r in changed], now)
        report.created += len(new)
        report.updated += len(changed)
        return
    except _database_errors(session):
        pass   # find the row the database refuses; the others still load
    for row, record in new:
        _write_one(session, row, record, None, report, now)
    for row, id_, record in changed:
        _write_one(session, row, record, id_, report, now)


def _write_one(session: Session, row: SourceRow, record: CompanyIn, id_: int | None, report: ImportReport,
               now: datetime) -> None:
    try:
        with session.begin_nested():
            _write(session, [record] if id_ is None else [], [] if id_ is None else [(id_, record)], now)
    except _database_errors(session) as exc:
        report.rejected += 1
        report.issues.append(Issue(row.origin.file, row.origin.row, "",
                                   f"refused by the database: {getattr(exc, 'orig', exc)}", record.code))
        return
    if id_ is None:
        report.created += 1
    else:
        report.updated += 1


def import_rows(db: Database, loaded: LoadedFile | Iterable[SourceRow], *, actor: Actor, now: datetime,
                batch_size: int = DEFAULT_BATCH, progress: Callable[[int], None] | None = None,
                default_source: str = "", target: str = "") -> ImportReport:
    """Validate and load ``loaded``'s rows in batches (one transaction each)."""
    report = ImportReport()
    lossy = False
    if isinstance(loaded, LoadedFile):
        lossy = loaded.lossy
        rows: Iterable[SourceRow] = loaded.rows
        report.issues.extend(loaded.issues)
        report.rejected += len({(i.file, i.row) for i in loaded.issues if not i.warning})
        report.ignored |= loaded.ignored
        default_source = default_source or loaded.default_source
    else:
        rows = loaded
    seen: dict[str, Origin] = {}
    batch: list[tuple[SourceRow, CompanyIn]] = []

    def flush() -> None:
        if batch:
            with db.write() as session:
                _write_batch(session, batch, report, now)
            if progress is not None:
                progress(len(batch))
            batch.clear()

    for row in rows:
        record, issues = validate_row(row, default_source=default_source, lossy=lossy)
        report.issues.extend(issues)
        if record is None:
            report.rejected += 1
            if progress is not None:
                progress(1)
            continue
        first = seen.get(record.code)
        if first is not None:
            report.rejected += 1
            report.issues.append(Issue(row.origin.file, row.origin.row, "code",
                                       f"duplicate of {first.file} row {first.row}", record.code))
            if progress is not None:
                progress(1)
            continue
        seen[record.code] = row.origin
        batch.append((row, record))
        if len(batch) >= batch_size:
            flush()
    flush()
    if not db.sqlite and report.created + report.updated >= ANALYZE_AFTER:
        # Fresh statistics now rather than when autovacuum gets to it: the planner's choice
        # between the trigram and pair indexes depends on them.
        with db.write() as session:
            session.execute(text("ANALYZE credit_companies, credit_name_grams, credit_licences, credit_penalties, "
                                 "credit_list_entries"))
    with db.write() as session:
        session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="credit.import",
                               target=target[:100], detail={
                                   "created": report.created, "updated": report.updated,
                                   "unchanged": report.unchanged, "rejected": report.rejected,
                                   "warnings": len(report.warnings)}))
    return report
