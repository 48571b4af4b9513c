"""A simulated city credit platform: the HTTP service HttpSource talks to (FORMAT.md).

It serves company objects of the JSON import format, raw as a platform would, personal data
included, so that tests see the hall's side mask it. Run it with
``hallq credit platform-sim FILE`` or, in tests, ``PlatformSimulator(records).start()``.
Searching here is a plain loop: a stand-in for a remote service, not part of the hall.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .records import normalize_code
from .search import name_initials, printable


class PlatformSimulator:
    """The platform's service on ``host``:``port`` (0 picks a free port) in a thread."""

    def __init__(self, records: Iterable[dict[str, Any]], *, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None) -> None:
        self.records = {normalize_code(r.get("code")): r for r in records}
        self._initials = {code: name_initials(str(r.get("name", ""))) for code, r in self.records.items()}
        self.host = host
        self.token = token
        self.requests: list[str] = []
        # Tests set this to make every answer fail with that HTTP status.
        self.fail_with: int | None = None
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="credit-platform", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> PlatformSimulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def search(self, q: str, kind: str, limit: int) -> list[dict[str, Any]]:
        text = printable(q)
        out = []
        for code, record in self.records.items():
            if kind == "code":
                hit = code == text.upper() if len(text) == 18 else text.upper() in code
            elif kind == "initials":
                hit = text.lower() in self._initials[code]
            else:
                hit = all(term in str(record.get("name", "")) for term in text.split(" "))
            if hit:
                out.append(record)
                if len(out) >= limit:
                    break
        return out

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                platform.requests.append(self.path)
                if platform.fail_with is not None:
                    self._send(platform.fail_with, {"error": "simulated failure"})
                    return
                if platform.token and self.headers.get("Authorization") != f"Bearer {platform.token}":
                    self._send(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
                    return
                url = urlsplit(self.path)
                parts = [p for p in url.path.split("/") if p]
                if parts == ["companies"]:
                    params = parse_qs(url.query)
                    try:
                        limit = max(1, min(100, int(params.get("limit", ["20"])[0])))
                    except ValueError:
                        limit = 20
                    results = platform.search(params.get("q", [""])[0], params.get("kind", ["name"])[0], limit)
                    self._send(HTTPStatus.OK, {"results": results})
                elif len(parts) == 2 and parts[0] == "companies":
                    record = platform.records.get(normalize_code(unquote(parts[1])))
                    if record is None:
                        self._send(HTTPStatus.NOT_FOUND, {"error": "no such company"})
                    else:
                        self._send(HTTPStatus.OK, record)
                else:
                    self._send(HTTPStatus.NOT_FOUND, {"error": "unknown path"})

        return Handler
