"""Large-text mode's view-model: twice the size, fewer choices, categories first, read-aloud
of the screen and the ticket, the "help me" call, and search by full pinyin, initials and
common names; against the demo hall's server."""

from __future__ import annotations

import shutil

import pytest
from hallq.hardware.readaloud import EspeakReader, RecordingReader
from hallq.kiosk.model.elder import screen_speech, spell_number
from hallq.kiosk.model.i18n import Strings
from hallq.kiosk.model.paging import grid, rows_per_page, tiles_per_page
from hallq.kiosk.model.search import common_targets, matches, squash
from hallq.kiosk.model.tickets import Issued
from hallq.server.models import AuditEntry, LiveEvent
from sqlalchemy import select

from .support import DemoHall

pytestmark = pytest.mark.timeout(90)


@pytest.mark.parametrize("portrait", [False, True])
def test_large_text_doubles_sizes_and_shows_fewer_choices(make_kiosk, portrait: bool) -> None:
    kiosk = make_kiosk(url=None, boot=False)
    assert (kiosk.font_scale, kiosk.target_scale) == (1.0, 1.0)
    kiosk.set_elder(True)
    assert kiosk.font_scale >= 2.0 and kiosk.target_scale >= 2.0
    assert tiles_per_page(portrait, True) <= 4 < tiles_per_page(portrait, False)
    assert rows_per_page(portrait, True) < rows_per_page(portrait, False)
    # each tile gets at least twice the area of a standard one
    (ec, er), (nc, nr) = grid(portrait, True), grid(portrait, False)
    assert (nc * nr) / (ec * er) >= 2
    kiosk.reset()
    assert kiosk.font_scale == 1.0 and not kiosk.elder


def test_large_text_asks_for_the_category_first(make_kiosk) -> None:
    kiosk = make_kiosk()
    flow = kiosk.take_number
    assert not flow.shows_categories(False) and flow.shows_categories(True)
    choices = flow.categories()
    assert choices[0]["id"] is None and len(choices) == len(kiosk.catalog.categories) + 1
    flow.choose_category(int(choices[1]["id"]))
    assert not flow.shows_categories(True)
    assert flow.departments() and all(d.get("category_id") == choices[1]["id"] for d in flow.departments())
    flow.reset()
    flow.search("gaj")
    assert not flow.shows_categories(True)


def test_search_by_full_pinyin_initials_and_common_names(make_kiosk) -> None:
    kiosk = make_kiosk()
    flow = kiosk.take_number

    def found(query: str) -> list[str]:
        flow.search(query)
        return [d["name_zh"] for d in flow.departments()]

    assert "市场监督管理局" in found("scjdglj")                    # initials
    assert "市场监督管理局" in found("shichangjiandu")             # full pinyin, no spaces
    assert "市场监督管理局" in found("Shi Chang")
    assert "公安局交通警察支队" in found("驾照")                  # a common name
    assert "人力资源和社会保障局" in found("社保")
    assert "人力资源和社会保障局" in found("shebao")              # a common name in pinyin
    assert "住房公积金管理中心" in found("公积金")
    assert found("zzzzqqq") == []
    # items too, offline: the kiosk's own matching
    kiosk.catalog.services_of(kiosk.connection, next(int(d["id"]) for d in kiosk.catalog.departments
                                                      if d["name_zh"] == "市场监督管理局"))
    items = [s["name_zh"] for s in kiosk.catalog.search_services("营业执照")]
    assert "企业设立登记（有限责任公司）" in items and "营业执照遗失补领、换发" in items
    assert items.index("营业执照遗失补领、换发") < items.index("企业设立登记（有限责任公司）")   # official name first


def test_search_rules() -> None:
    item = {"name_zh": "住房公积金管理中心", "pinyin": "zhu fang gong ji jin guan li zhong xin",
            "initials": "zfgjjglzx", "name_en": "Housing Provident Fund Center"}
    assert squash("Gong Ji'jin") == "gongjijin"
    for query in ("公积金", "zfgj", "gongjijin", "housing"):
        assert matches(item, query), query
    for query in ("社保", "x", "zzz"):
        assert not matches(item, query), query
    assert "住房公积金" in common_targets("gongji") and common_targets("") == ()
    assert common_targets("gjj") == ()          # initials of a common name: not widened


def issued(number: str = "A005", ahead: int = 3, wait: int | None = 600) -> Issued:
    from hallq.kiosk.model.printing import PrintOutcome
    return Issued(ticket_id=1, number=number, status_url="", ahead=ahead, estimated_wait_s=wait, priority="elderly",
                  queue={}, department=None, service=None, issued_at=None, id_masked=None, phone_masked=None,
                  replayed=False, printed=PrintOutcome(True, "ok"))


def test_read_aloud_of_the_screen_and_the_ticket(make_kiosk) -> None:
    reader = RecordingReader()
    kiosk = make_kiosk(url=None, boot=False)
    kiosk.speech.reader = reader
    assert kiosk.read_screen("请选择部门", ["共 41 个部门"], ["公安局", "税务局"])
    assert reader.said[-1] == ("请选择部门。共 41 个部门。可以选择：公安局、税务局。", "zh")
    assert not kiosk.read_ticket()                       # no ticket yet: nothing said
    kiosk.take_number.outcome = issued()
    assert kiosk.read_ticket()
    text, language = reader.said[-1]
    assert language == "zh" and "A 0 0 5" in text and "前方等待 3 人" in text and "10 分钟" in text
    kiosk.set_language("en")
    assert kiosk.read_ticket() and reader.said[-1][1] == "en" and "3" in reader.said[-1][0]
    kiosk.reset()
    assert reader.stopped >= 1
    assert spell_number("GH012") == "G H 0 1 2"
    assert screen_speech("", [], [], Strings("zh")) == ""


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_reads_into_a_wav(tmp_path) -> None:
    reader = EspeakReader(out_dir=tmp_path)
    reader.say("您的号码 A 0 0 5，前方等待 3 人。")
    assert reader.wait(30) == 0
    [wav] = reader.written
    assert wav.read_bytes()[:4] == b"RIFF" and wav.stat().st_size > 10_000
    reader.say("")                                        # nothing to say: nothing started
    assert len(reader.written) == 1


def test_help_me_calls_the_floor_staff_once(make_kiosk, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk()
    kiosk.set_elder(True)
    with demo_hall.db.read() as s:
        before = len(s.scalars(select(LiveEvent).where(LiveEvent.type == "help.requested")).all())
    called = kiosk.call_help("departments")
    assert (called.ok, called.message_key) == (True, "help.called")
    with demo_hall.db.read() as s:
        events = s.scalars(select(LiveEvent).where(LiveEvent.type == "help.requested")).all()
        assert len(events) == before + 1
        payload = events[-1].payload
        assert (payload["reason"], payload["screen"], payload["device"]["kind"]) == ("elder", "departments", "kiosk")
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "help.requested")).first() is not None
    again = kiosk.call_help("departments")
    assert (again.ok, again.code) == (False, "already_called")
    kiosk.reset()                                          # the next visitor may call again
    assert kiosk.call_help("home").ok


def test_help_without_the_server_says_where_to_go(make_kiosk, proxy) -> None:
    kiosk = make_kiosk(url=proxy.url)
    proxy.down()
    outcome = kiosk.call_help("home")
    assert (outcome.ok, outcome.message_key) == (False, "help.error.unreachable")
    assert kiosk.strings.t(outcome.message_key) != outcome.message_key


def test_only_a_kiosk_calls_for_help(demo_hall: DemoHall) -> None:
    with demo_hall.client(demo_hall.staff_token) as http:
        refused = http.post("/help", json={})
    assert refused.status_code == 403
    with demo_hall.client(demo_hall.kiosk_token) as http:
        bad = http.post("/help", json={"reason": "lunch"})
    assert bad.status_code == 422


def test_every_kiosk_string_is_drawable_in_its_font() -> None:
    from pathlib import Path

    from hallq.hardware.printer import DEFAULT_FONT
    from hallq.kiosk.model.i18n import en, zh

    from tests.support.glyphs import kv_literals, missing

    font = Path(DEFAULT_FONT)
    if not font.is_file():
        pytest.skip("the kiosk's font is not installed (scripts/system-deps.sh)")
    ui = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
    texts = [*zh.STRINGS.values(), *en.STRINGS.values(), *kv_literals(ui), *kv_literals(ui / "screens")]
    assert missing(texts, font) == {}
