"""The pages: Jinja2 templates rendered in the visitor's language, plain JS modules, and the
static files they use. Pages carry no data of their own: their scripts read the API with
the token the page was given (a display's device token) or signed in with (staff)."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from ..models import Hall
from . import displays
from .i18n import choose, messages

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

router = APIRouter()
router.include_router(displays.router, prefix="/api/v1")

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

# Scripts and styles only from this server; no inline script runs, so text that slipped
# into a page unescaped could still not execute.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def asset_version() -> str:
    """Changes whenever a static file does, so browsers never run a stale script."""
    newest = max((p.stat().st_mtime_ns for p in STATIC.rglob("*") if p.is_file()), default=0)
    return format(newest // 1_000_000, "x")


def _hall(request: Request) -> dict[str, str]:
    try:
        with request.app.state.db.read() as s:
            hall = s.scalars(select(Hall).order_by(Hall.id).limit(1)).first()
    except Exception:  # the page still renders; its script reports what is wrong
        hall = None
    if hall is None:
        return {"name_zh": "政务服务中心", "name_en": "Government Service Center"}
    return {"name_zh": hall.name_zh, "name_en": hall.name_en or hall.name_zh}


def render(request: Request, template: str, page: str, lang: str, *, status_code: int = 200,
           no_store: bool = False, **context: Any) -> HTMLResponse:
    words = messages(lang)
    html = _env.get_template(template).render(
        lang=lang, page=page, t=words, strings=words, hall=_hall(request), v=asset_version(), **context)
    headers = dict(HEADERS)
    headers["Cache-Control"] = "no-store" if no_store else "no-cache"
    return HTMLResponse(html, status_code=status_code, headers=headers)


LangQuery = Annotated[str | None, Query(max_length=5)]
LangCookie = Annotated[str | None, Cookie(alias="hallq_lang", max_length=5)]


@router.get("/display", response_class=HTMLResponse, include_in_schema=False)
def display(request: Request, lang: LangQuery = None, hallq_lang: LangCookie = None) -> HTMLResponse:
    """A call display: opened once as /display?token=<display device token>."""
    return render(request, "display.html", "display", choose(lang, hallq_lang))


@router.get("/manage", response_class=HTMLResponse, include_in_schema=False)
def manage(request: Request, lang: LangQuery = None, hallq_lang: LangCookie = None) -> HTMLResponse:
    return render(request, "manage.html", "manage", choose(lang, hallq_lang), roles="manager admin")


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def reports(request: Request, lang: LangQuery = None, hallq_lang: LangCookie = None) -> HTMLResponse:
    return render(request, "reports.html", "reports", choose(lang, hallq_lang), roles="manager admin")


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin(request: Request, lang: LangQuery = None, hallq_lang: LangCookie = None) -> HTMLResponse:
    return render(request, "admin.html", "admin", choose(lang, hallq_lang), roles="admin")


@router.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
def ticket_status(token: str, request: Request, lang: LangQuery = None,
                  hallq_lang: LangCookie = None) -> HTMLResponse:
    """The page behind a ticket's QR code. It knows only its token; its script reads the
    one ticket's public status."""
    chosen = choose(lang, hallq_lang)
    if not _TOKEN.match(token):
        return render(request, "status.html", "status", chosen, status_code=404, no_store=True, token="")
    return render(request, "status.html", "status", chosen, no_store=True, token=token)


@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC.resolve()) or not target.is_file():
        return Response(status_code=404)
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix in (".js", ".mjs"):
        media = "text/javascript"
    return FileResponse(target, media_type=media,
                        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})
