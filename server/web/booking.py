"""The public booking page (/book): choose a service, a day and a slot, give name, ID number
and phone, and get a booking code with its QR code; look up or cancel a booking by code.

One HTML file, one script and one style sheet, all served from here (no CDN: it works on a
hall's LAN without the internet). The page holds no data of its own; its script reads the
public appointments API. Chinese by default, English with the toggle or ``?lang=en``.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ..models import Hall

HERE = Path(__file__).parent
PAGE = HERE / "templates" / "booking.html"
ASSETS = {"booking.js": "text/javascript; charset=utf-8", "booking.css": "text/css; charset=utf-8"}

# Scripts and styles only from this server and no inline script: text that slipped into the
# page unescaped still could not run.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
}

router = APIRouter(include_in_schema=False)


def _version() -> str:
    newest = max((HERE / "static" / name).stat().st_mtime_ns for name in ASSETS)
    return format(newest // 1_000_000, "x")


def _hall_names(request: Request) -> tuple[str, str]:
    try:
        with request.app.state.db.read() as s:
            hall = s.scalars(select(Hall).order_by(Hall.id).limit(1)).first()
    except Exception:  # the page still renders; its script reports what fails
        hall = None
    if hall is None:
        return "政务服务中心", "Government Service Center"
    return hall.name_zh, hall.name_en or hall.name_zh


@router.get("/book", response_class=HTMLResponse)
def page(request: Request, lang: str = "zh") -> HTMLResponse:
    name_zh, name_en = _hall_names(request)
    english = lang == "en"
    body = Template(PAGE.read_text(encoding="utf-8")).substitute(
        lang="en" if english else "zh-CN", hall_zh=html.escape(name_zh), hall_en=html.escape(name_en),
        hall=html.escape(name_en if english else name_zh), version=_version())
    return HTMLResponse(body, headers={**HEADERS, "Cache-Control": "no-cache"})


@router.get("/book/static/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        return Response(status_code=404)
    data = (HERE / "static" / name).read_bytes()
    return Response(data, media_type=ASSETS[name],
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})
