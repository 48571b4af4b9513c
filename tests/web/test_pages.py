"""The pages and the display API over HTTP (no browser): headers, languages, static files,
announcements and a display's own settings; every word a page uses is translated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from hallq.server.web import pages
from hallq.server.web.i18n import messages

WEB = Path(pages.__file__).parent
# Shown in both languages at once on a call display, so they exist in zh.json only.
BILINGUAL = {"display.enable_sound", "display.go_to_window_zh", "display.go_to_window_en"}


def test_every_word_exists_in_both_languages():
    zh = json.loads((WEB / "i18n" / "zh.json").read_text(encoding="utf-8"))
    en = json.loads((WEB / "i18n" / "en.json").read_text(encoding="utf-8"))
    assert set(zh) - set(en) == BILINGUAL
    assert not set(en) - set(zh)
    mine = ["display", "manage", "reports", "admin", "status", "common", "staff", "base"]
    used: set[str] = set()
    for name in mine:
        for path in [WEB / "static" / f"{name}.js", WEB / "templates" / f"{name}.html"]:
            if path.exists():
                source = path.read_text(encoding="utf-8")
                used |= set(re.findall(r"""\bt\(\s*"([a-z0-9_.]+)\"""", source))
                used |= set(re.findall(r"""t\['([a-z0-9_.]+)'\]""", source))
    assert used and not used - set(zh), sorted(used - set(zh))
    assert messages("en")["nav.admin"] == "Administration" and messages("xx") == messages("zh")


def test_pages_render_in_the_chosen_language_with_strict_headers(live):
    with httpx.Client(base_url=live.url, timeout=10) as http:
        for path in ("/display", "/manage", "/reports", "/admin"):
            page = http.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert '<html lang="zh-CN">' in page.text
            assert "hqs_" not in page.text and "hqd_" not in page.text
        english = http.get("/manage", headers={"Cookie": "hallq_lang=en"})
        assert '<html lang="en">' in english.text and "Staff sign-in" in english.text
        assert '<html lang="en">' in http.get("/admin?lang=en").text
        script = http.get("/static/display.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert http.get("/static/vendor/chart.umd.min.js").status_code == 200
        assert http.get("/static/../pages.py").status_code == 404
        assert http.get("/static/%2e%2e/pages.py").status_code == 404
        assert http.get("/static/nothing.js").status_code == 404


def test_status_page_knows_only_its_token(live):
    with live.client("kiosk") as kiosk, httpx.Client(base_url=live.url, timeout=10) as http:
        issued = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"], "phone": "13812345678"}).json()
        page = http.get(f"/t/{issued['token']}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert f'data-token="{issued["token"]}"' in page.text
        assert issued["number"] not in page.text and "1381" not in page.text   # data comes from the API
        bad = http.get('/t/"><script>alert(1)</script>')
        assert bad.status_code == 404 and "<script>alert" not in bad.text


def test_announcement_is_a_wav_cached_on_disk(live):
    folder = live.server.app.state.settings.data_dir / "announcements"
    with live.client("display") as display:
        first = display.get("/announcements", params={"number": "A001", "window": 3, "lang": "zh,en"})
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "audio/wav"
        assert first.content[:4] == b"RIFF" and first.content[8:12] == b"WAVE"
        cached = folder / "A001-3-zh_en.wav"
        assert cached.read_bytes() == first.content
        stamp = cached.stat().st_mtime_ns
        again = display.get("/announcements", params={"number": "A001", "window": 3, "lang": "zh,en"})
        assert again.content == first.content and cached.stat().st_mtime_ns == stamp
        english = display.get("/announcements", params={"number": "A001", "window": 3, "lang": "en"})
        assert english.status_code == 200 and len(english.content) < len(first.content)
        refusals = [({"number": "A0O1", "window": 3}, 422, "number"), ({"number": "A001", "window": 3, "lang": "fr"}, 422, "lang"),
                    ({"number": "A001", "window": 3, "lang": "zh,zh"}, 422, "lang"),
                    ({"number": "A001", "window": 404}, 404, "window")]
        for params, status, field in refusals:
            answer = display.get("/announcements", params=params)
            assert answer.status_code == status, params
            assert answer.json()["error"]["details"]["field"] == field
    with live.client() as anyone:
        assert anyone.get("/announcements", params={"number": "A001", "window": 3}).status_code == 401
    assert sorted(p.name for p in folder.glob("*.wav")) == ["A001-3-en.wav", "A001-3-zh_en.wav"]


@pytest.mark.parametrize(("config", "expected"), [
    ({"zone": "A", "windows": "1, 2", "layout": "portrait", "languages": ["en"], "recent": 5, "other": 1},
     {"zone": "A", "windows": [1, 2], "layout": "portrait", "languages": ["en"], "recent": 5}),
    ({"windows": ["x", 3], "layout": "sideways", "languages": ["fr"], "voice": False},
     {"windows": [3], "voice": False}),
])
def test_a_display_reads_its_own_settings(live, config, expected):
    with live.client("admin") as admin:
        device = admin.post("/devices", json={"kind": "display", "name": "二楼B区屏", "config": config}).json()
    with httpx.Client(base_url=live.url + "/api/v1", headers={"Authorization": f"Bearer {device['token']}"}) as http:
        me = http.get("/displays/me").json()
    assert me["config"] == expected
    assert me["device"]["name"] == "二楼B区屏" and me["hall"]["timezone"] == "Asia/Shanghai"
