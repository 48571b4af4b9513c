"""The hall's writer: every change to the live queues, applied in batches, one commit each.

Commands arrive from the server's request handlers (in this process, or from worker
processes over a local socket). The writer thread takes whatever has queued up while it was
busy, runs the batch in one transaction, commits once, and only then answers the batch: an
answer is never ahead of the disk.

A refusal touches only its own command. The hot path's commands (issue, call next, finish)
run bare: they make every check they can before their first write, and a refusal before any
write leaves nothing to undo. If one of them is refused after it has written (or the
database refuses a statement), the whole transaction is rolled back and the batch run again
with a savepoint around every command, which is how the other commands always run. Nothing
was answered in between, so the second run is the only one anybody sees.

One writer per server means queue changes never wait for each other's database lock, and a
batch of a hundred commands costs one commit instead of a hundred.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ..db import Database
from ..engine import QueueError
from ..events import pending_events
from .commands import Command, handler_for
from .hot import Fallback, HotPath
from .pace import IssuePace

log = logging.getLogger(__name__)

# Enough to amortise a commit, few enough that the first command of a batch never waits long
# for the last one's work.
MAX_BATCH = 200


class _Replay(Exception):
    """A bare command was refused after it wrote: run the batch again under savepoints."""


class WriterUnavailable(Exception):
    """The writer stopped or its batch could not be committed; nothing of it was stored."""

    def __init__(self, message: str, code: str = "writer_unavailable") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Writer:
    db: Database
    secret: bytes
    # Called after every commit with the batch's commands (the event hub is woken there).
    on_commit: Callable[[], None] | None = None
    max_batch: int = MAX_BATCH
    # Tickets one kiosk may issue per minute (0: no limit).
    kiosk_issues_per_minute: int = 0

    def __post_init__(self) -> None:
        self._inbox: queue.SimpleQueue[tuple[Command, Future[dict[str, Any]]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self.hot = HotPath(self.secret)
        self.pace = IssuePace(self.kiosk_issues_per_minute)
        self.replays = 0   # batches run a second time under savepoints

    # -- life ------------------------------------------------------------------------------
    def start(self) -> Writer:
        self._thread = threading.Thread(target=self._run, name="hallq-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped = True
        self._inbox.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopped

    # -- commands --------------------------------------------------------------------------
    def submit(self, command: Command) -> Future[dict[str, Any]]:
        """Queue ``command``; the future resolves to its result once its batch is committed,
        or raises its QueueError, or WriterUnavailable."""
        future: Future[dict[str, Any]] = Future()
        if not self.alive:
            future.set_exception(WriterUnavailable("the writer is not running"))
            return future
        if command.name == "issue":
            try:
                self.pace.admit(command.actor, command.now)
            except QueueError as refused:
                future.set_exception(refused)
                return future
        self._inbox.put((command, future))
        return future

    def _run(self) -> None:
        while True:
            first = self._inbox.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    more = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._inbox.put(None)
                    break
                batch.append(more)
            self._apply(batch)
        # Whatever is still queued was never run.
        while True:
            try:
                left = self._inbox.get_nowait()
            except queue.Empty:
                return
            if left is not None:
                left[1].set_exception(WriterUnavailable("the writer stopped"))

    def _apply(self, batch: list[tuple[Command, Future[dict[str, Any]]]]) -> None:
        try:
            try:
                outcomes = self._attempt(batch, guarded=False)
            except _Replay:
                self.replays += 1
                outcomes = self._attempt(batch, guarded=True)
        except Exception as exc:   # the commit (or the connection) failed: nothing is stored
            log.warning("writer: a batch of %d could not be committed: %s", len(batch), exc)
            for _command, future in batch:
                future.set_exception(WriterUnavailable(f"the change could not be stored: {exc}",
                                                       code="database_unavailable"))
            return
        if self.on_commit is not None:
            try:
                self.on_commit()
            except Exception:
                log.warning("writer: on_commit failed", exc_info=True)
        for future, outcome in outcomes:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _attempt(self, batch: list[tuple[Command, Future[dict[str, Any]]]], *, guarded: bool,
                 ) -> list[tuple[Future[dict[str, Any]], dict[str, Any] | BaseException]]:
        """Run and commit the batch once; raises _Replay (after rolling back) when a bare
        command must be undone."""
        outcomes: list[tuple[Future[dict[str, Any]], dict[str, Any] | BaseException]] = []
        self.hot.reset()
        with self.db.write() as session:
            conn = session.connection()
            self.hot.prepare(conn)
            for command, future in batch:
                outcomes.append((future, self._one(session, conn, command, guarded)))
            self.hot.flush(conn)
        return outcomes

    def _one(self, session: Session, conn: Connection, command: Command,
             guarded: bool) -> dict[str, Any] | BaseException:
        """Run one command; a refusal undoes only its own changes."""
        events = pending_events(session)
        mark = len(events)
        buffered = self.hot.mark()
        try:
            fast = self.hot.handler(command.name)
            if fast is not None:
                try:
                    if guarded:
                        with conn.begin_nested():
                            return fast(conn, command, events)   # type: ignore[no-any-return]
                    return self._bare(fast, conn, command, events)
                except Fallback:
                    del events[mark:]
                    self.hot.cut(buffered)
            # The use case may read what earlier commands of the batch buffered (a replayed
            # key's result, a ticket's audit trail): write it first, outside its savepoint.
            self.hot.flush(conn)
            buffered = self.hot.mark()
            try:
                with session.begin_nested():
                    return handler_for(command.name)(session, command, self.secret)
            finally:
                # The use case may have changed what the hot path keeps (a window, routing),
                # and its objects must not outlive it: the hot path writes behind the ORM.
                self.hot.invalidate()
                session.expunge_all()
        except _Replay:
            raise
        except QueueError as exc:
            del events[mark:]
            self.hot.cut(buffered)
            return exc
        except (DataError, OverflowError):
            # The database refused a value (out of range, bad encoding): the request's fault.
            del events[mark:]
            self.hot.cut(buffered)
            return QueueError("invalid_value", "a value in the request cannot be stored")
        except OperationalError:
            raise   # the database itself failed: the whole batch is lost, none of it answered
        except Exception as exc:   # a defect: this command only
            del events[mark:]
            self.hot.cut(buffered)
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                raise
            log.exception("writer: command %s failed", command.name)
            return QueueError("internal_error", "the change failed on the server; nothing of it was stored")

    def _bare(self, fast: Callable[..., dict[str, Any]], conn: Connection, command: Command,
              events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        """A hot command without a savepoint: fine while it succeeds or is refused before its
        first write; otherwise the batch starts over under savepoints."""
        self.hot.wrote = False
        try:
            return fast(conn, command, events)
        except (Fallback, QueueError, OverflowError):
            if self.hot.wrote:
                raise _Replay from None
            raise
        except OperationalError:
            raise
        except Exception:
            # A statement the database refused (on PostgreSQL that spoils the whole
            # transaction), or a defect part way: only savepoints can undo it.
            raise _Replay from None
