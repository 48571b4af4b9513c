"""The idle timer with an injected clock, the reset it causes, the word tables, paging and
waits. No server needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hallq.kiosk.config import KioskSettings
from hallq.kiosk.model import Idle, IdleTimer, Kiosk, Strings
from hallq.kiosk.model.fields import Kind
from hallq.kiosk.model.formatting import wait_text
from hallq.kiosk.model.i18n import LANGUAGES, en, placeholders, zh
from hallq.kiosk.model.paging import page_of, tiles_per_page

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_idle_timer_warns_then_expires_and_a_touch_restarts_it() -> None:
    clock = FakeClock()
    idle = IdleTimer(60, 15, clock)
    assert idle.state() == Idle.ACTIVE
    clock.t += 44
    assert idle.state() == Idle.ACTIVE and idle.remaining() == 16
    clock.t += 1
    assert idle.state() == Idle.WARNING
    idle.touch()
    assert idle.state() == Idle.ACTIVE
    clock.t += 60
    assert idle.state() == Idle.EXPIRED
    with pytest.raises(ValueError):
        IdleTimer(0)


def test_idle_expiry_forgets_what_the_visitor_typed_and_chose(tmp_path: Path) -> None:
    clock = FakeClock()
    kiosk = Kiosk(KioskSettings(url=None, discovery=False, cache_dir=tmp_path, idle_timeout_s=60,
                                elder_idle_timeout_s=120), clock=clock)
    flow = kiosk.take_number
    assert flow.set_id_number("11010519491231002X").ok and flow.set_phone("13800138000").ok
    flow.search("gsdj")
    kiosk.check_in.entry.press("A")
    kiosk.credit.entry.press("9")
    kiosk.set_language("en")
    kiosk.set_elder(True)                                # large text gives more time
    clock.t += 100
    assert kiosk.tick() == Idle.ACTIVE
    clock.t += 15
    assert kiosk.tick() == Idle.WARNING
    clock.t += 5
    assert kiosk.tick() == Idle.EXPIRED

    assert flow.id_number is None and flow.phone is None and flow.query == ""
    assert kiosk.check_in.entry.text == "" and kiosk.credit.entry.text == ""
    assert kiosk.language == "zh" and not kiosk.elder and kiosk.font_scale == 1.0
    assert kiosk.tick() == Idle.ACTIVE                   # the next visitor starts afresh
    clock.t += 60
    assert kiosk.tick() == Idle.EXPIRED                  # normal timeout again


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(zh.STRINGS) == set(en.STRINGS)
    for key in zh.STRINGS:
        assert placeholders(zh.STRINGS[key]) == placeholders(en.STRINGS[key]), key


def test_every_key_the_kiosk_uses_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""(?:\.t|tr|\bt)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
    for path in list(KIOSK.rglob("*.py")) + list(KIOSK.rglob("*.kv")):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern no longer matches how screens look strings up"
    missing = {k for k in used if k not in zh.STRINGS}
    assert not missing
    # Keys made from codes at run time.
    for reason in ("shape", "date", "check"):
        assert f"field.id_number.{reason}" in zh.STRINGS
    for kind in (Kind.PHONE, Kind.BOOKING_CODE, Kind.CREDIT):
        assert f"field.{kind.value}.shape" in zh.STRINGS
    for state in ("out", "offline", "error", "near_end"):
        assert f"status.printer.{state}" in zh.STRINGS
    for code in ("active", "suspended", "liquidating", "revoked", "cancelled", "moved_out"):
        assert f"credit.status.{code}" in zh.STRINGS
    for code in ("abnormal", "dishonest", "red"):
        assert f"credit.list.{code}" in zh.STRINGS


def test_strings_format_and_fall_back() -> None:
    assert Strings("zh").t("dept.waiting", count=3) == "等候 3 人"
    assert Strings("en").t("dept.waiting", count=3) == "3 waiting"
    assert Strings("en").t("no.such.key") == "no.such.key"
    assert Strings("zh").t("dept.waiting") == "等候 {count} 人"      # missing value: the template
    assert Strings().both("status.offline").splitlines() == ["暂时无法连接大厅服务器",
                                                            "The hall server cannot be reached"]
    with pytest.raises(ValueError):
        Strings("fr")
    assert sorted(LANGUAGES) == ["en", "zh"]


@pytest.mark.parametrize(("seconds", "zh_text", "en_text"), [
    (None, "暂无法估计", "not known yet"), (30, "不足 1 分钟", "under 1 min"), (61, "约 2 分钟", "about 2 min"),
    (3600, "约 1 小时", "about 1 h"), (5400, "约 1 小时 30 分钟", "about 1 h 30 min"),
])
def test_waits(seconds: int | None, zh_text: str, en_text: str) -> None:
    assert wait_text(Strings("zh"), seconds) == zh_text
    assert wait_text(Strings("en"), seconds) == en_text


def test_pages() -> None:
    items = list(range(41))
    first = page_of(items, 1, tiles_per_page(portrait=False, elder=False))
    assert (first.items, first.pages, first.has_prev, first.has_next) == (tuple(range(9)), 5, False, True)
    last = page_of(items, 99, 9)
    assert last.number == 5 and last.items == (36, 37, 38, 39, 40) and not last.has_next
    assert page_of([], 1, 9).pages == 1
    assert tiles_per_page(portrait=False, elder=True) < tiles_per_page(portrait=False, elder=False)


def test_the_screen_qr_code_reads_back() -> None:
    import io

    import zxingcpp
    from hallq.kiosk.model.qr import qr_png
    from PIL import Image

    url = "http://10.0.0.5:8600/t/AbC-123_xyz"
    with Image.open(io.BytesIO(qr_png(url))) as img:
        assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [url]
