"""The ceiling the bench compares hallq with: a bare FastAPI endpoint with a bearer check.

``POST /api/v1/tickets`` reads the same JSON body a kiosk sends, checks the bearer token,
validates the body with pydantic and answers 201 with a small ticket, touching nothing else.
The bench serves it with uvicorn on the same number of workers as hallq and drives it with
the same load generator, so the ratio between the two is what hallq's own work costs.
"""

from __future__ import annotations

import itertools
import os
import secrets

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel

TOKEN_VARIABLE = "HALLQ_BENCH_TOKEN"


class IssueBody(BaseModel):
    service_id: int
    priority: str = "normal"


class Issued(BaseModel):
    id: int
    number: str
    service_id: int
    priority: str


def create_app() -> FastAPI:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise RuntimeError(f"{TOKEN_VARIABLE} is not set")
    expected = f"Bearer {token}"
    counter = itertools.count(1)
    app = FastAPI(title="bare endpoint", openapi_url=None, docs_url=None, redoc_url=None)

    def bearer(request: Request) -> None:
        if not secrets.compare_digest(request.headers.get("authorization", ""), expected):
            raise HTTPException(401, "unauthenticated")

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/tickets", status_code=201, response_model=Issued, dependencies=[Depends(bearer)])
    def issue(body: IssueBody) -> Issued:
        n = next(counter)
        return Issued(id=n, number=f"A{n:03d}", service_id=body.service_id, priority=body.priority)

    return app
