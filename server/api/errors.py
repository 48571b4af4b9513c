"""One JSON error body for every refusal: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..engine import QueueError, http_status
from ..writer.batch import WriterUnavailable

log = logging.getLogger(__name__)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _validation(exc: RequestValidationError) -> JSONResponse:
    problems = []
    malformed = False
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if err.get("type") == "json_invalid":
            malformed = True
        problems.append({"field": ".".join(loc[1:]) if len(loc) > 1 else ".".join(loc),
                         "in": loc[0] if loc else "", "problem": err.get("msg", "invalid")})
    if malformed:
        return JSONResponse(error_body("malformed_json", "the request body is not valid JSON",
                                       {"problems": problems}), status_code=400)
    return JSONResponse(error_body("invalid_request", "the request does not have the expected shape",
                                   {"problems": problems}), status_code=422)


def install(app: FastAPI) -> None:
    @app.exception_handler(QueueError)
    async def _queue_error(_request: Request, exc: QueueError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.code == "unauthenticated" else None
        if isinstance(retry := (exc.details or {}).get("retry_after_s"), int):
            headers = {"Retry-After": str(retry)}
        return JSONResponse(error_body(exc.code, exc.message, exc.details or None),
                            status_code=http_status(exc.code), headers=headers)

    @app.exception_handler(WriterUnavailable)
    async def _writer_unavailable(_request: Request, exc: WriterUnavailable) -> JSONResponse:
        # Nothing was acknowledged that is not stored; a retry with the same key is safe.
        log.warning("writer unavailable: %s", exc)
        message = ("the database is busy or unreachable; try again" if exc.code == "database_unavailable"
                   else "the hall's writer is restarting; try again")
        return JSONResponse(error_body(exc.code, message),
                            status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "malformed_json", 404: "not_found", 405: "method_not_allowed",
                413: "body_too_large"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, exc: OverflowError) -> JSONResponse:
        # A number too large for the database's integer columns: an unknown id in effect.
        return JSONResponse(error_body("invalid_value", "a number in the request is out of range"), status_code=422)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refused a value (out of range, bad encoding): the request's fault.
        return JSONResponse(error_body("invalid_value", "a value in the request cannot be stored"), status_code=422)

    @app.exception_handler(OperationalError)
    async def _db_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        # Locked or unreachable database: the transaction rolled back; the client may retry.
        log.warning("database unavailable: %s", exc.orig)
        return JSONResponse(error_body("database_unavailable", "the database is busy or unreachable; try again"),
                            status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(DBAPIError)
    async def _db_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return JSONResponse(error_body("database_error", "the request could not be stored; nothing was changed"),
                            status_code=503, headers={"Retry-After": "1"})
