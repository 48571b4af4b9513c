"""Service guides and the credit query terminal through the kiosk's view-models, against
the demo hall's 363 items and demo companies, with printed checklists and summaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hallq.hardware.printer import PrinterSimulator
from hallq.kiosk.model import guide_view

from .support import DemoHall

pytestmark = pytest.mark.timeout(90)


def test_search_read_and_print_a_guide(make_kiosk, printer_sim: PrinterSimulator) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    guides = kiosk.guides
    assert guides.browsing
    everything = guides.search("")
    assert guides.total == 363 and len(everything) == 100          # the first page of the server's answer
    found = guides.search("yyzz")
    assert [g["name_zh"] for g in found] == ["营业执照遗失补领、换发"]
    assert guides.search("营业执照") and all("营业执照" in g["name_zh"] for g in guides.results[:1])
    in_department = guides.search("", department_id=found[0]["department_id"])
    assert in_department and all(g["department_id"] == found[0]["department_id"] for g in in_department)

    assert guides.open(found[0]["id"]) is not None
    view = guides.view("zh")
    assert view is not None and view.name == "营业执照遗失补领、换发" and view.department == "市场监督管理局"
    assert view.materials and view.process and view.legal_basis
    assert view.floor == 1 and view.zone == "B" and view.windows
    english = guides.view("en")
    assert english is not None and english.name == "Replacement or renewal of a business licence"
    assert english.materials[0].name != view.materials[0].name

    outcome = guides.print_checklist()

    assert outcome.printed
    [receipt] = printer_sim.wait_for_receipts(1)
    assert "办事材料清单" in receipt.lines
    assert any(view.materials[0].name in line for line in receipt.lines)
    assert any("营业执照遗失补领、换发" in line for line in receipt.lines)
    assert receipt.cut == "partial"


def test_guide_view_marks_optional_materials_and_same_day_items() -> None:
    data = {"id": 7, "name_zh": "事项", "name_en": "Item", "department_id": 1,
            "guide": {"materials": [{"name_zh": "身份证", "originals": 1, "copies": 1},
                                    {"name_zh": "授权委托书（委托他人办理时提供）", "originals": 1}],
                      "promised_days": 0, "process_zh": ["申请", "办结"], "process_en": ["Apply", "Done"]},
            "department": {"name_zh": "部门", "floor": 2, "zone": "A"}, "windows": [{"number": 5}]}
    view = guide_view(data, "en")
    assert [m.required for m in view.materials] == [True, False]
    assert view.process == ("Apply", "Done") and view.windows == (5,) and view.promised_days == 0


def listed_company(hall: DemoHall) -> str:
    """A demo company on a list today, with penalties: its credit code."""
    from hallq.server.models.credit import CreditCompany, CreditListEntry, CreditPenalty
    from sqlalchemy import select

    with hall.db.read() as s:
        return str(s.scalars(
            select(CreditCompany.code).join(CreditListEntry, CreditListEntry.company_id == CreditCompany.id)
            .join(CreditPenalty, CreditPenalty.company_id == CreditCompany.id)
            .where(CreditListEntry.removed_on.is_(None)).order_by(CreditCompany.code).limit(1)).one())


def test_credit_search_by_initials_and_by_typed_code(make_kiosk) -> None:
    kiosk = make_kiosk()
    credit = kiosk.credit
    for key in "XJS":
        assert credit.entry.press(key)
    assert credit.accept().ok
    results = credit.search()
    assert credit.kind == "initials" and len(results) == 20 and credit.warning == ""
    assert all(set(r) >= {"code", "name", "status", "penalties", "licences", "lists", "tax_grade"} for r in results)


def test_credit_record_and_printed_summary(make_kiosk, printer_sim: PrinterSimulator, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk(printer=printer_sim.tcp_uri)
    credit = kiosk.credit
    code = listed_company(demo_hall)
    for key in code:
        assert credit.entry.press(key)
    assert credit.accept().ok
    [listed] = credit.search()
    assert credit.kind == "code" and listed["code"] == code and listed["lists"]

    record = credit.open(listed["code"])

    assert record is not None and record["registration"]["code"] == listed["code"]
    assert {m.list for m in credit.memberships() if m.listed} == set(listed["lists"])
    summary = credit.summary()
    assert summary.credit_code == listed["code"] and summary.penalties == listed["penalties"]
    outcome = credit.print_summary()
    assert outcome.printed
    [receipt] = printer_sim.wait_for_receipts(1)
    assert "企业信用信息查询结果" in receipt.lines
    assert any(listed["code"] in line for line in receipt.lines)
    assert any(listed["name"] in line for line in receipt.lines)


def test_credit_record_times_are_the_halls_local_time(make_kiosk, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk()
    credit = kiosk.credit
    code = listed_company(demo_hall)
    assert credit.open(code) is not None
    # The server answers in UTC; the screen and the printout use the hall's zone (UTC+8).
    utc = datetime.fromisoformat(credit.record["queried_at"])
    assert utc.utcoffset() == timedelta(0)
    local = utc.astimezone(ZoneInfo("Asia/Shanghai"))
    assert credit.queried_text() == local.strftime("%Y-%m-%d %H:%M")
    assert credit.queried_text() != utc.strftime("%Y-%m-%d %H:%M")
    assert credit.summary().queried_at == local
    credit.record = {**credit.record, "queried_at": "2026-03-02T01:30:00+00:00"}
    assert credit.queried_text() == "2026-03-02 09:30"


def test_credit_code_with_a_wrong_check_character_warns_and_still_searches(make_kiosk) -> None:
    kiosk = make_kiosk()
    credit = kiosk.credit
    first = credit.set_query("xjs")
    assert first.ok
    real = credit.search()[0]["code"]
    wrong = real[:17] + ("0" if real[17] != "0" else "1")
    checked = credit.set_query(wrong)
    assert checked.ok and checked.warning == "field.credit.check"
    assert credit.search() == [] and credit.warning == "credit.warning.check_character"
    exact = credit.set_query(real.lower())
    assert exact.ok and exact.warning == ""
    assert [r["code"] for r in credit.search()] == [real]


def test_malformed_credit_input_never_reaches_the_server(make_kiosk, demo_hall: DemoHall) -> None:
    kiosk = make_kiosk()
    credit = kiosk.credit
    checked = credit.set_query("9111000060003734IL")
    assert checked.error == "field.credit.shape"
    with pytest.raises(ValueError):
        credit.search()
    assert credit.set_query("").error == "field.empty"
    missing = credit.open("91110000600037341L")
    assert missing is None and credit.refused is not None and credit.refused.code == "unknown_company"
