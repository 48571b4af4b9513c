"""Generated requests against the routes outside the API document: pages, static assets, the
booking page's assets, ticket status pages, QR images, announcements and /metrics.

Paths are sent byte for byte (http.client, no URL normalisation), so dot segments, encoded
slashes and backslashes, overlong UTF-8 and NUL reach the server as an attacker sends them.
Every answer must be below 500, and a 200 from an asset route must be one of the hall's own
asset files: nothing outside the asset directories is ever served.
"""

from __future__ import annotations

import hashlib
import http.client
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import count

STATIC = Path(__file__).resolve().parents[2] / "server" / "web" / "static"
ASSET_DIGESTS = {hashlib.sha256(p.read_bytes()).hexdigest() for p in STATIC.rglob("*") if p.is_file()}

# Things a traversal would reach: the server's Python source and the machine's files.
LEAKS = (b"from __future__ import", b"root:x:0:0", b"[tool.", b"secret_key")

TRICKS = ["..", ".", "%2e%2e", "%2E%2e%2F", "..%2f", "..%5c", "%5c..%5c", "\\..\\", "%00", "%c0%ae%c0%ae",
          "%252e%252e", "", "/", "//", "etc/passwd", "%2Fetc%2Fpasswd", "~", "server", "pages.py",
          "..;", "%ff", "CON", "a" * 300, "static", "common.js", "admin.js", "booking.js", "%20", "?", "#"]

segment = st.one_of(st.sampled_from(TRICKS),
                    st.text(min_size=1, max_size=12).map(lambda t: quote(t, safe="")),
                    st.text(alphabet="./\\%0123456789abcdefABCDEF", min_size=1, max_size=10))
path_tail = st.lists(segment, min_size=0, max_size=6).map("/".join)
query = st.lists(st.tuples(st.sampled_from(["lang", "token", "v", "next", "q", "x"]),
                           st.text(max_size=20).map(lambda t: quote(t, safe=""))), max_size=3)

# (route prefix, whether a 200 must be an asset file)
ROUTES = [
    ("/static/", True), ("/book/static/", True), ("/t/", False), ("/display", False), ("/manage", False),
    ("/reports", False), ("/admin", False), ("/book", False), ("/api/v1/appointments/", False),
    ("/api/v1/announcements", False), ("/metrics", False), ("/", False),
]
EXAMPLES = 40


def _send(url: str, method: str, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize(("prefix", "asset"), ROUTES, ids=[p for p, _ in ROUTES])
def test_pages_answer_generated_requests_without_error_or_leak(live, prefix, asset):
    seen: list[tuple[str, int]] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(tail=path_tail, suffix=st.sampled_from(["", ".png", ".svg", ".js", ".css", "/qr.png", "/qr.svg"]),
           params=query, method=st.sampled_from(["GET", "GET", "GET", "HEAD", "POST"]),
           cookie=st.text(max_size=30).map(lambda t: quote(t, safe="=;")))
    def run(tail: str, suffix: str, params: list[tuple[str, str]], method: str, cookie: str) -> None:
        target = prefix + tail + suffix
        if not target.startswith("/"):
            target = "/" + target
        if params:
            target += "?" + "&".join(f"{k}={v}" for k, v in params)
        try:
            status, body = _send(live.url, method, target, {"Cookie": f"hallq_lang={cookie}"})
        except http.client.InvalidURL:   # the client itself refuses it: nothing was sent
            return
        count("pages and assets")
        seen.append((target, status))
        assert status < 500, f"{method} {target} answered {status}: {body[:300]!r}"
        for leak in LEAKS:
            assert leak not in body, f"{method} {target} leaked {leak!r}"
        if asset and status == 200 and method == "GET":
            assert hashlib.sha256(body).hexdigest() in ASSET_DIGESTS, f"{target} served a file that is no asset"

    run()
    assert len(seen) >= EXAMPLES // 2


@pytest.mark.slow
def test_asset_routes_refuse_the_classic_traversals(live):
    """The fixed list an attacker tries first, each answered 404 (not 400, not 500, not the file)."""
    for target in ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2fapp.py",
                   "/static/..\\app.py", "/static/%5c..%5capp.py", "/static//etc/passwd", "/static/%2Fetc%2Fpasswd",
                   "/static/../../../../etc/passwd", "/static/%c0%ae%c0%ae/app.py", "/book/static/../booking.py",
                   "/book/static/%2e%2e%2fbooking.py", "/book/static/..%2f..%2fapp.py"]:
        status, body = _send(live.url, "GET", target, {})
        count("pages and assets")
        assert status == 404, (target, status)
        assert b"from __future__" not in body and b"root:x" not in body
