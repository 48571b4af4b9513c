"""A small synchronous HTTP client for the hall server's /api/v1.

Synchronous on purpose: the apps call it from worker threads and hand results back to the UI
thread. Reads and keyed writes are retried after a network error or a 503, so a kiosk whose
Wi-Fi blinks still gets exactly one ticket.
"""

from __future__ import annotations

import ssl
import time
import uuid
from typing import Any

import httpx

RETRY_STATUS = {502, 503, 504}


def new_key() -> str:
    """A fresh Idempotency-Key."""
    return uuid.uuid4().hex


class ApiError(Exception):
    """The server refused (``code`` from its error body) or could not be reached (``unreachable``)."""

    def __init__(self, code: str, message: str, status: int = 0, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}

    @property
    def unreachable(self) -> bool:
        return self.code == "unreachable"


def pinned_context(host: str, port: int, fingerprint: str) -> ssl.SSLContext:
    """Trust exactly the certificate whose SHA-256 the server advertised (self-signed halls)."""
    import hashlib

    pem = ssl.get_server_certificate((host, port), timeout=5)
    der = ssl.PEM_cert_to_DER_cert(pem)
    if hashlib.sha256(der).hexdigest() != fingerprint.lower():
        raise ApiError("certificate_mismatch", "the server's certificate is not the one advertised")
    ctx = ssl.create_default_context(cadata=pem)
    ctx.check_hostname = False
    return ctx


class HallClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 5.0, retries: int = 2,
                 fingerprint: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retries = retries
        verify: Any = True
        if fingerprint and self.base_url.startswith("https"):
            url = httpx.URL(self.base_url)
            verify = pinned_context(url.host, url.port or 443, fingerprint)
        self._http = httpx.Client(base_url=self.base_url + "/api/v1", timeout=timeout, verify=verify)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HallClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                key: str | None = None) -> Any:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if key:
            headers["Idempotency-Key"] = key
        retry = method == "GET" or key is not None
        attempts = self.retries + 1 if retry else 1
        last: ApiError | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(2.0, 0.2 * 2 ** (attempt - 1)))
            try:
                response = self._http.request(method, path, json=json, params=params, headers=headers)
            except httpx.HTTPError as exc:
                last = ApiError("unreachable", f"the hall server did not answer ({type(exc).__name__})")
                continue
            if response.status_code in RETRY_STATUS and attempt + 1 < attempts:
                last = _error(response)
                continue
            if response.status_code == 204:
                return None
            if response.status_code >= 400:
                raise _error(response)
            return response.json()
        assert last is not None
        raise last

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None, *, key: str | None = None) -> Any:
        return self.request("POST", path, json=body, key=key)

    # -- the hall --------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.get("/health")

    def hall(self) -> dict[str, Any]:
        return self.get("/hall")

    def categories(self) -> list[dict[str, Any]]:
        return self.get("/categories")

    def departments(self, q: str | None = None, category_id: int | None = None) -> list[dict[str, Any]]:
        return self.get("/departments", q=q, category_id=category_id)

    def department(self, department_id: int) -> dict[str, Any]:
        return self.get(f"/departments/{department_id}")

    def services(self, department_id: int | None = None, q: str | None = None) -> list[dict[str, Any]]:
        return self.get("/services", department_id=department_id, q=q)

    def service(self, service_id: int) -> dict[str, Any]:
        return self.get(f"/services/{service_id}")

    def queues(self) -> list[dict[str, Any]]:
        return self.get("/queues")

    def snapshot(self, **params: Any) -> dict[str, Any]:
        return self.get("/snapshot", **params)

    # -- tickets ---------------------------------------------------------------------------
    def issue_ticket(self, service_id: int, *, key: str, priority: str = "normal", id_number: str | None = None,
                     phone: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"service_id": service_id, "priority": priority}
        if id_number:
            body["id_number"] = id_number
        if phone:
            body["phone"] = phone
        return self.post("/tickets", body, key=key)

    def ticket_status(self, token: str) -> dict[str, Any]:
        return self.get(f"/tickets/status/{token}")

    def report_status(self, **status: Any) -> dict[str, Any]:
        return self.post("/devices/me/status", status)

    # -- staff -----------------------------------------------------------------------------
    def login(self, username: str | None = None, password: str | None = None, *, card: str | None = None,
              window_number: int | None = None) -> dict[str, Any]:
        body = {k: v for k, v in {"username": username, "password": password, "card": card,
                                  "window_number": window_number}.items() if v is not None}
        answer = self.post("/auth/login", body)
        self.token = answer["token"]
        return answer

    def logout(self) -> None:
        self.post("/auth/logout")
        self.token = None

    def window_action(self, window_number: int, action: str, body: Any = None, *, key: str | None = None) -> Any:
        """``action``: call-next, call-number, recall, start, finish, no-show, hold, resume,
        transfer, open, pause, close."""
        return self.post(f"/windows/{window_number}/{action}", body, key=key)

    def window_waiting(self, window_number: int) -> list[dict[str, Any]]:
        return self.get(f"/windows/{window_number}/waiting")

    def window_held(self, window_number: int) -> list[dict[str, Any]]:
        return self.get(f"/windows/{window_number}/held")

    def statistics(self, mine: bool = False) -> dict[str, Any]:
        return self.get("/statistics", mine=str(mine).lower())


def _error(response: httpx.Response) -> ApiError:
    try:
        body = response.json().get("error", {})
    except ValueError:
        body = {}
    return ApiError(body.get("code", f"http_{response.status_code}"), body.get("message", response.reason_phrase),
                    response.status_code, body.get("details"))
