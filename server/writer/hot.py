"""The hot path: issue, call next and finish written in SQLAlchemy Core.

These three commands are nearly all of a hall's traffic. Run through the ORM use cases they
cost 15-31 SQL statements and most of their time in the unit of work; here each is a handful
of statements on the batch's connection, and the hall's configuration (rules, service items,
queues, windows and their routes) is read once and kept. The configuration is read again
whenever the audit log has grown (every change of the catalog, a window or the hall is
audited) or the writer ran any other command, which may have changed a window.

The decisions are the engine's, exactly as the use cases make them: the same checks, the
same audit row, the same live event and the same answer (``tests/server/writer`` compares
both paths). A case this path does not cover (a retried Idempotency-Key, say) raises
``Fallback`` before it has written anything, and the writer runs the use case instead.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, or_, select, update

from hallq.identifiers import check_id_number, check_phone, mask_id_number, mask_phone, person_hash

from .. import engine as eng
from ..api.schemas import QueueBrief, TicketOut, WindowBrief
from ..engine import tickets as rules_of
from ..events import TICKET_EVENT, QueueRef, WindowRef
from ..models import (
    AuditEntry,
    DailyCounter,
    Hall,
    IdempotencyRecord,
    Queue,
    ServiceItem,
    Ticket,
    TicketEvent,
    Window,
    WindowQueue,
)
from ..services.actors import Actor, Role
from ..services.idempotency import MAX_KEY, fingerprint
from ..services.windows import _PG_HEADS, _sqlite_heads
from .commands import Command

T = cast(Table, Ticket.__table__)
TE = cast(Table, TicketEvent.__table__)
Q = cast(Table, Queue.__table__)
W = cast(Table, Window.__table__)
IR = cast(Table, IdempotencyRecord.__table__)
_FIELDS = ("id", "queue_id", "number", "priority", "status", "sort_key", "issued_at", "window_id", "called_at",
           "last_called_at", "started_at", "finished_at", "no_show_at", "recall_count", "transfer_count",
           "held_by_window_id")
_ROW = (*_FIELDS, "service_id", "id_masked", "phone_masked", "case_number", "person_hash", "staff_id")


class Fallback(Exception):
    """This command needs the full use case; nothing has been written for it."""


@dataclass(frozen=True)
class QueueConf:
    ref: QueueRef          # waiting is filled in per event
    active: bool
    daily_quota: int | None
    waiting_target_s: int
    default_service_s: int

    @cached_property
    def ref_fields(self) -> dict[str, Any]:
        return asdict(self.ref)

    def brief(self) -> dict[str, Any]:
        r = self.ref
        return {"id": r.id, "code": r.code, "prefix": r.prefix, "name_zh": r.name_zh, "name_en": r.name_en,
                "department_id": r.department_id}


@dataclass(frozen=True)
class WindowConf:
    ref: WindowRef
    state: str
    route: eng.Route

    @cached_property
    def ref_fields(self) -> dict[str, Any]:
        return asdict(self.ref)

    def brief(self) -> dict[str, Any]:
        r = self.ref
        return {"number": r.number, "name_zh": r.name_zh, "name_en": r.name_en, "floor": r.floor, "zone": r.zone}


@dataclass(frozen=True)
class Config:
    mark: int | None
    timezone: str
    rules: eng.HallRules
    services: dict[int, tuple[bool, int]]
    queues: dict[int, QueueConf]
    windows: dict[int, WindowConf]          # by number
    window_by_id: dict[int, WindowConf]
    open_windows: dict[int, int]            # queue id -> open windows serving it

    def today(self, now: datetime) -> date:
        return eng.business_date(now, self.rules.timezone, self.rules.reset_hour)


_MARK = select(func.max(AuditEntry.id))


def load_config(conn: Connection, mark: int | None) -> Config | None:
    hall = conn.execute(select(Hall.timezone, Hall.rules).order_by(Hall.id).limit(1)).first()
    if hall is None:
        return None
    rules = eng.HallRules.from_dict({**(hall.rules or {}), "timezone": hall.timezone})
    services = {int(i): (bool(a), int(q)) for i, a, q in
                conn.execute(select(ServiceItem.id, ServiceItem.active, ServiceItem.queue_id))}
    queues = {}
    for r in conn.execute(select(Queue.id, Queue.code, Queue.prefix, Queue.name_zh, Queue.name_en,
                                 Queue.department_id, Queue.active, Queue.daily_quota, Queue.waiting_target_s,
                                 Queue.default_service_s)):
        queues[int(r.id)] = QueueConf(QueueRef(int(r.id), r.code, r.prefix, r.name_zh, r.name_en,
                                               int(r.department_id), 0),
                                      bool(r.active), r.daily_quota, r.waiting_target_s,
                                      int(r.default_service_s))
    routes: dict[int, list[tuple[int, int]]] = {}
    for wid, qid, weight in conn.execute(select(WindowQueue.window_id, WindowQueue.queue_id, WindowQueue.weight)
                                         .order_by(WindowQueue.window_id, WindowQueue.position)):
        routes.setdefault(int(wid), []).append((int(qid), int(weight)))
    windows: dict[int, WindowConf] = {}
    open_windows: dict[int, int] = {}
    for w in conn.execute(select(Window.id, Window.number, Window.name_zh, Window.name_en, Window.zone,
                                 Window.floor, Window.state)):
        pairs = routes.get(int(w.id), [])
        route = eng.Route(tuple(q for q, _ in pairs), tuple(weight for _, weight in pairs))
        windows[int(w.number)] = WindowConf(WindowRef(int(w.id), int(w.number), w.name_zh, w.name_en, w.zone,
                                                      int(w.floor)), w.state, route)
        if w.state == eng.WindowState.OPEN.value:
            for q in route.queue_ids:
                open_windows[q] = open_windows.get(q, 0) + 1
    return Config(mark, hall.timezone, rules, services, queues, windows,
                  {w.ref.id: w for w in windows.values()}, open_windows)


def _event(kind: eng.Action, ticket: dict[str, Any], queue: QueueConf, waiting: int, at: datetime,
           actor: Actor, window: WindowConf | None) -> tuple[str, dict[str, Any]]:
    """The live event of a ticket change: what ``TicketChanged`` publishes, field for field,
    built straight as the stored payload."""
    issued_at = ticket["issued_at"]
    return TICKET_EVENT[kind].value, {
        "ticket": {"id": ticket["id"], "number": ticket["number"], "status": ticket["status"],
                   "priority": ticket["priority"], "queue_id": ticket["queue_id"],
                   "service_id": ticket["service_id"],
                   "issued_at": issued_at.isoformat() if isinstance(issued_at, datetime) else issued_at,
                   "recall_count": ticket["recall_count"]},
        "queue": {**queue.ref_fields, "waiting": waiting},
        "at": at.isoformat(),
        "window": window.ref_fields if window is not None else None,
        "from_queue": None,
        "actor": {"kind": actor.kind, "id": actor.id, "role": actor.role.value},
    }


class HotPath:
    """Issue, call next and finish on one batch connection; see the module's docstring."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.config: Config | None = None
        # Audit rows and idempotency results of the batch's commands so far, written with one
        # executemany each (``flush``) before the commit or before a use case runs.
        self._audits: list[dict[str, Any]] = []
        self._results: list[dict[str, Any]] = []
        # Whether the command running now has written anything yet (see Writer._bare).
        self.wrote = False

    # -- the batch's buffered rows -----------------------------------------------------------
    def mark(self) -> tuple[int, int]:
        return len(self._audits), len(self._results)

    def cut(self, mark: tuple[int, int]) -> None:
        """Drop what a command that rolled back to its savepoint had buffered."""
        del self._audits[mark[0]:]
        del self._results[mark[1]:]

    def reset(self) -> None:
        self._audits.clear()
        self._results.clear()

    def flush(self, conn: Connection) -> None:
        if self._audits:
            conn.execute(insert(TE), self._audits)
        if self._results:
            conn.execute(_RESULT, self._results)
        self.reset()

    def invalidate(self) -> None:
        self.config = None

    def prepare(self, conn: Connection) -> None:
        """At the start of a batch: read the configuration again if anything changed it."""
        mark = conn.execute(_MARK).scalar()
        if self.config is None or self.config.mark != mark:
            self.config = load_config(conn, mark)

    def handler(self, name: str) -> Any:
        return {"issue": self.issue, "call_next": self.call_next, "finish": self.finish}.get(name)

    # -- shared ----------------------------------------------------------------------------
    def _conf(self, conn: Connection) -> Config:
        if self.config is None:
            self.prepare(conn)
        if self.config is None:
            raise Fallback   # no hall yet: the use case gives the coded answer
        return self.config

    def _claim(self, conn: Connection, actor: Actor, key: str | None, operation: str,
               request: dict[str, Any]) -> str | None:
        """Claim an Idempotency-Key; a key already used goes to the use case, which replays
        or refuses it. Returns the claimed key."""
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > MAX_KEY:
            raise eng.QueueError("invalid_value", f"an Idempotency-Key is 1-{MAX_KEY} characters",
                                 field="Idempotency-Key")
        stmt = _claim_stmt(conn)
        claimed = conn.execute(stmt, {"scope": actor.scope, "key": key, "operation": operation,
                                      "fingerprint": fingerprint(operation, request), "result": {}}).first()
        if claimed is None:
            raise Fallback
        self.wrote = True
        return key

    def _write(self, conn: Connection, stmt: Any, params: dict[str, Any]) -> Any:
        """Every write of the hot path goes through here (the claim excepted, which writes
        only when it claims), so that ``wrote`` tells whether a refusal has anything to undo."""
        self.wrote = True
        return conn.execute(stmt, params)

    def _remember(self, conn: Connection, actor: Actor, key: str | None, result: dict[str, Any]) -> None:
        if key is not None:
            self._results.append({"s": actor.scope, "k": key, "r": result})

    def _audit(self, conn: Connection, ticket_id: int, action: eng.Action, before: str | None, after: str,
               queue_id: int, window_id: int | None, actor: Actor, now: datetime,
               detail: dict[str, Any]) -> None:
        self._audits.append({"ticket_id": ticket_id, "at": now, "action": action.value, "from_status": before,
                                  "to_status": after, "queue_id": queue_id, "window_id": window_id,
                                  "actor_kind": actor.kind, "actor_id": actor.id, "staff_id": actor.staff_id,
                             "device_id": actor.device_id, "detail": detail})

    def _answer(self, conn: Connection, row: dict[str, Any], queue: QueueConf, window: WindowConf | None,
                mean: float | None) -> dict[str, Any]:
        ahead = wait = 0
        if row["status"] == eng.TicketStatus.WAITING.value:
            ahead = int(conn.execute(_AHEAD, {"q": row["queue_id"], "k": row["sort_key"], "i": row["id"]}).scalar()
                        or 0)
            open_windows = self._conf(conn).open_windows.get(row["queue_id"], 0)
            wait = eng.estimate_wait_s(ahead, mean if mean is not None else float(queue.default_service_s),
                                       open_windows)
        out = TicketOut(id=row["id"], number=row["number"], status=row["status"], priority=row["priority"],
                        queue=QueueBrief(**queue.brief()), service_id=row["service_id"], issued_at=row["issued_at"],
                        called_at=row["called_at"], started_at=row["started_at"],
                        finished_at=row["finished_at"], window=WindowBrief(**window.brief()) if window else None,
                        recall_count=row["recall_count"], transfer_count=row["transfer_count"],
                        id_masked=row["id_masked"], phone_masked=row["phone_masked"],
                        case_number=row["case_number"], ahead=ahead, estimated_wait_s=wait)
        return out.model_dump(mode="json")

    # -- issue -----------------------------------------------------------------------------
    def issue(self, conn: Connection, c: Command, events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        conf = self._conf(conn)
        a = c.args
        service_id = int(a["service_id"])
        priority = a.get("priority") or "normal"
        id_number, phone = a.get("id_number"), a.get("phone")
        if a.get("appointment_id") is not None:
            raise Fallback
        request = {"service_id": service_id, "priority": priority, "id": bool(id_number), "phone": bool(phone)}
        key = self._claim(conn, c.actor, a.get("idempotency_key"), "issue", request)
        service = conf.services.get(service_id)
        if service is None or not service[0]:
            raise eng.QueueError("unknown_service", f"no service item {service_id}", service_id=service_id)
        queue = conf.queues[service[1]]
        who = None
        if id_number:
            checked = check_id_number(id_number)
            if not checked:
                raise eng.QueueError("invalid_id_number", "the ID number is not valid", reason=checked.code,
                                     field="id_number")
            who = person_hash(checked.normalized, self.secret)
        phone_masked = None
        if phone:
            checked_phone = check_phone(phone)
            if not checked_phone:
                raise eng.QueueError("invalid_phone", "the phone number is not valid", field="phone")
            phone_masked = mask_phone(checked_phone.normalized)
        day = conf.today(c.now)
        qid = queue.ref.id
        seq = int(self._write(conn, _next_seq_stmt(conn), {"queue_id": qid, "business_date": day}).scalar_one())
        person_active = 0
        if who is not None:
            person_active = int(conn.execute(_PERSON, {"h": who, "q": qid}).scalar() or 0)
        cls = eng.check_issue(
            queue_name=queue.ref.name_zh, queue_active=queue.active, daily_quota=queue.daily_quota,
            issued_today=seq - 1, person_active=person_active, rules=conf.rules, priority=priority,
            self_service=c.actor.role is Role.KIOSK,
        )
        row: dict[str, Any] = {
            "token": secrets.token_urlsafe(18), "queue_id": qid, "issue_queue_id": qid, "service_id": service_id,
            "business_date": day, "seq": seq, "number": eng.format_number(queue.ref.prefix, seq,
                                                                          conf.rules.number_width),
            "priority": cls.value, "status": eng.TicketStatus.WAITING.value,
            "sort_key": eng.sort_key(eng.to_ms(c.now), cls.value, conf.rules), "issued_at": c.now,
            "person_hash": who, "id_masked": mask_id_number(id_number) if id_number else None,
            "phone_masked": phone_masked, "device_id": c.actor.device_id, "appointment_id": None,
            "recall_count": 0, "transfer_count": 0, "version": 0,
        }
        row["id"] = int(self._write(conn, _INSERT_TICKET, row).scalar_one())
        waiting, mean = self._write(conn, _WAITING, {"q": qid, "d": 1}).one()
        self._audit(conn, row["id"], eng.Action.ISSUE, None, row["status"], qid, None, c.actor, c.now,
                    {"priority": cls.value, "service_id": service_id})
        row.update(called_at=None, started_at=None, finished_at=None, case_number=None)
        events.append(_event(eng.Action.ISSUE, row, queue, int(waiting), c.now, c.actor, None))
        self._remember(conn, c.actor, key, {"ticket_id": row["id"]})
        return {"ticket": self._answer(conn, row, queue, None, mean), "token": row["token"], "replayed": False}

    # -- call next -------------------------------------------------------------------------
    def _window(self, conn: Connection, number: int, actor: Actor) -> tuple[Any, WindowConf]:
        conf = self._conf(conn)
        w = conn.execute(_WINDOW, {"n": number}).first()
        if w is None:
            raise eng.QueueError("unknown_window", f"no window {number}", window=number)
        wc = conf.windows.get(number)
        if wc is None or wc.ref.id != w.id or wc.state != w.state:
            raise Fallback   # changed behind the cache's back: the use case reads it fresh
        if not (actor.role in (Role.MANAGER, Role.ADMIN, Role.SYSTEM)
                or (actor.role in (Role.CLERK, Role.COUNTER) and actor.window_id == w.id)):
            raise eng.QueueError("forbidden", f"not allowed to act at window {number}", window=number)
        return w, wc

    @staticmethod
    def _view(r: Any) -> eng.Ticket:
        values = {name: getattr(r, name) for name in _FIELDS}
        values["status"] = eng.TicketStatus(values["status"])
        return eng.Ticket(**values)

    def _store(self, conn: Connection, r: Any, action: eng.Action, after: eng.Ticket, *, actor: Actor,
               now: datetime, window: WindowConf, extra: dict[str, Any] | None = None,
               detail: dict[str, Any] | None = None) -> tuple[dict[str, Any], int, float | None]:
        """Write ``after`` (plus ``extra`` columns) back, keep the waiting count, audit it and
        publish it. Returns the row as answered, the queue's waiting count and mean."""
        row = {name: getattr(r, name) for name in _ROW}
        changes: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(after, name)
            value = value.value if isinstance(value, eng.TicketStatus) else value
            if row[name] != value:
                changes[name] = value
        changes.update(extra or {})
        if actor.staff_id is not None and action in (eng.Action.CALL, eng.Action.START, eng.Action.FINISH,
                                                     eng.Action.RESUME):
            changes["staff_id"] = actor.staff_id
        self._write(conn, _update_stmt(T, changes, version=True), {"_id": r.id, **changes})
        row.update(changes)
        delta = (-1 if r.status == eng.TicketStatus.WAITING.value else 0) + \
            (1 if after.status is eng.TicketStatus.WAITING else 0)
        waiting, mean = self._write(conn, _WAITING, {"q": r.queue_id, "d": delta}).one()
        self._audit(conn, r.id, action, r.status, row["status"], row["queue_id"], window.ref.id, actor, now,
                    detail or {})
        return row, int(waiting), mean

    def call_next(self, conn: Connection, c: Command, events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        number = int(c.args["window"])
        key = self._claim(conn, c.actor, c.args.get("idempotency_key"), f"call-next:{number}", {})
        w, wc = self._window(conn, number, c.actor)
        eng.check_can_call(eng.Window(id=w.id, number=w.number, state=eng.WindowState(w.state),
                                      policy=eng.RoutingPolicy(w.policy), current_ticket_id=w.current_ticket_id,
                                      pause_reason=w.pause_reason))
        conf = self._conf(conn)
        route = wc.route
        targets = {q: conf.queues[q].waiting_target_s if q in conf.queues else 1800 for q in route.queue_ids}
        heads = _heads(conn, targets)
        credits = {int(k): int(v) for k, v in (w.credits or {}).items()}
        choice = eng.choose(eng.RoutingPolicy(w.policy), route, heads, now_ms=eng.to_ms(c.now), credits=credits)
        window_changes: dict[str, Any] = {}
        if choice.credits != credits:
            window_changes["credits"] = {str(k): v for k, v in choice.credits.items()}
        if choice.head is None:
            if window_changes:
                self._write(conn, _update_stmt(W, window_changes), {"_id": w.id, **window_changes})
            self._remember(conn, c.actor, key, {"ticket_id": None})
            return {"ticket": None, "replayed": False}
        r = conn.execute(_TICKET, {"i": choice.head.ticket_id}).one()
        after = rules_of.call(self._view(r), w.id, c.now)
        row, waiting, mean = self._store(conn, r, eng.Action.CALL, after, actor=c.actor, now=c.now, window=wc)
        window_changes["current_ticket_id"] = r.id
        if c.actor.staff_id is not None:
            window_changes["staff_id"] = c.actor.staff_id
        self._write(conn, _update_stmt(W, window_changes), {"_id": w.id, **window_changes})
        queue = conf.queues[row["queue_id"]]
        events.append(_event(eng.Action.CALL, row, queue, waiting, c.now, c.actor, wc))
        self._remember(conn, c.actor, key, {"ticket_id": r.id})
        return {"ticket": self._answer(conn, row, queue, wc, mean), "replayed": False}

    # -- finish ----------------------------------------------------------------------------
    def finish(self, conn: Connection, c: Command, events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        number = int(c.args["window"])
        case_number = c.args.get("case_number")
        request = {"args": [], "case_number": str(case_number)}   # as the use case's keyed() has it
        key = self._claim(conn, c.actor, c.args.get("idempotency_key"), f"finish:{number}", request)
        w, wc = self._window(conn, number, c.actor)
        tid = eng.windows.current_or_error(eng.Window(id=w.id, number=w.number, state=eng.WindowState(w.state),
                                                      current_ticket_id=w.current_ticket_id))
        r = conn.execute(_TICKET, {"i": tid}).one()
        done = rules_of.finish(self._view(r), w.id, c.now)
        extra: dict[str, Any] = {}
        case = r.case_number
        if case_number:
            case = extra["case_number"] = case_number.strip()[:60]
        assert done.started_at is not None
        mean_before = conn.execute(_MEAN, {"q": r.queue_id}).scalar()
        self._write(conn, _SET_MEAN, {"q": r.queue_id, "m": eng.ewma(
            mean_before, (c.now - done.started_at).total_seconds(), self._conf(conn).rules.service_time_alpha)})
        row, waiting, mean = self._store(conn, r, eng.Action.FINISH, done, actor=c.actor, now=c.now, window=wc,
                                         extra=extra, detail={"case_number": case} if case else None)
        self._write(conn, _update_stmt(W, _NO_TICKET), {"_id": w.id, **_NO_TICKET})
        queue = self._conf(conn).queues[row["queue_id"]]
        events.append(_event(eng.Action.FINISH, row, queue, waiting, c.now, c.actor, wc))
        self._remember(conn, c.actor, key, {"ticket_id": r.id})
        return {"ticket": self._answer(conn, row, queue, wc, mean)}


# -- statements, built once ----------------------------------------------------------------
_AHEAD = select(func.count()).select_from(T).where(
    T.c.queue_id == bindparam("q"), T.c.status == eng.TicketStatus.WAITING.value,
    or_(T.c.sort_key < bindparam("k"), and_(T.c.sort_key == bindparam("k"), T.c.id < bindparam("i"))))
_PERSON = select(func.count()).select_from(T).where(
    T.c.person_hash == bindparam("h"), T.c.queue_id == bindparam("q"),
    T.c.status.in_([s.value for s in eng.ACTIVE]))
_WAITING = (update(Q).where(Q.c.id == bindparam("q")).values(waiting_count=Q.c.waiting_count + bindparam("d"))
            .returning(Q.c.waiting_count, Q.c.mean_service_s))
_WINDOW = select(W.c.id, W.c.number, W.c.state, W.c.policy, W.c.current_ticket_id, W.c.pause_reason,
                 W.c.credits, W.c.staff_id).where(W.c.number == bindparam("n")).with_for_update()
_TICKET = select(*[T.c[name] for name in _ROW]).where(T.c.id == bindparam("i")).with_for_update()
_RESULT = update(IR).where(IR.c.scope == bindparam("s"), IR.c.key == bindparam("k")).values(result=bindparam("r"))
_MEAN = select(Q.c.mean_service_s).where(Q.c.id == bindparam("q")).with_for_update()
_SET_MEAN = update(Q).where(Q.c.id == bindparam("q")).values(mean_service_s=bindparam("m"))
_INSERT_TICKET = insert(T).returning(T.c.id)
_NO_TICKET = {"current_ticket_id": None}
_UPDATES: dict[tuple[str, bool, tuple[str, ...]], Any] = {}


def _update_stmt(table: Table, values: dict[str, Any], *, version: bool = False) -> Any:
    """``UPDATE table SET <the keys of values> WHERE id = :_id``, built once per column set
    (building and caching a statement per call costs more than running it). The parameters
    are the values under their column names and the row's id as ``_id``."""
    names = tuple(values)
    key = (table.name, version, names)
    stmt = _UPDATES.get(key)
    if stmt is None:
        sets: dict[str, Any] = {name: bindparam(name) for name in names}
        if version:
            sets["version"] = table.c.version + 1
        stmt = _UPDATES[key] = update(table).where(table.c.id == bindparam("_id")).values(sets)
    return stmt


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _dialect_insert(conn: Connection) -> Any:
    if is_postgres(conn):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _next_seq_stmt(conn: Connection) -> Any:
    name = conn.dialect.name
    stmt = _STATEMENTS.get(("seq", name))
    if stmt is None:
        table = cast(Table, DailyCounter.__table__)
        stmt = _dialect_insert(conn)(table).values(queue_id=bindparam("queue_id"),
                                                   business_date=bindparam("business_date"), last_seq=1)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.queue_id, table.c.business_date],
                                          set_={"last_seq": table.c.last_seq + 1}).returning(table.c.last_seq)
        _STATEMENTS[("seq", name)] = stmt
    return stmt


def _claim_stmt(conn: Connection) -> Any:
    name = conn.dialect.name
    stmt = _STATEMENTS.get(("claim", name))
    if stmt is None:
        stmt = _dialect_insert(conn)(IR).on_conflict_do_nothing().returning(IR.c.key)
        _STATEMENTS[("claim", name)] = stmt
    return stmt


def _heads(conn: Connection, targets: dict[int, int]) -> dict[int, eng.Head]:
    if not targets:
        return {}
    if is_postgres(conn):
        rows = conn.execute(_PG_HEADS, {"ids": list(targets)}).all()
    else:
        rows = conn.execute(_sqlite_heads(len(targets)), {f"q{i}": q for i, q in enumerate(targets)}).all()
    return {int(q): eng.Head(int(q), int(tid), int(key), targets[int(q)]) for q, tid, key in rows}
