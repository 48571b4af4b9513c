"""Search by credit code, name fragment and pinyin initials, on the database under test
(SQLite FTS5 trigram or PostgreSQL pg_trgm), kept in step with imports."""

from __future__ import annotations

from datetime import date

import pytest
from hallq.server.credit import LocalSource, parse_query
from hallq.server.credit.search import name_initials
from hallq.server.engine import QueueError
from hallq.server.models.credit import CreditCompany
from sqlalchemy import delete, text

from .conftest import company, load

TODAY = date(2026, 3, 4)
HUARUI = "91110000600037341L"
HENGTONG = "91350200MA2YJ1XR9G"
DERUN = "913502000728319549"
BAD_CHECK = "91350200MA2YJ1XR9H"


@pytest.fixture
def source(db):
    load(db, [
        company(HUARUI, "湘江市华瑞建材贸易有限公司", penalties=[{"number": "1号"}, {"number": "2号"}],
                licences=[{"name": "建筑业企业资质证书"}], tax={"grade": "B", "year": 2025},
                lists=[{"list": "abnormal", "included_on": "2025-01-01"},
                       {"list": "red", "included_on": "2024-01-01", "removed_on": "2025-01-01"},
                       {"list": "dishonest", "included_on": "2027-01-01"}]),
        company(HENGTONG, "湘江市恒通物流有限公司"),
        company(DERUN, "湘江德润华瑞食品有限公司"),
        company(BAD_CHECK, "岳麓区好运来商行", type="个体工商户"),
        company("92430104MA4L6R3P0" + "X", "芙蓉区100%纯净水店"),   # check fails too; a name with %
        company("93430121MA4L7K2Q1" + "Y", "临湘县华_瑞农产品专业合作社"),
        company("91430104MA4L8B2C3" + "D", "湘江市ABC科技有限公司"),
    ])
    return LocalSource(db)


def names(source, q, limit=20):
    return [r["name"] for r in source.search(parse_query(q), limit=limit, today=TODAY)]


@pytest.mark.parametrize(("q", "kind", "text", "warning"), [
    (HUARUI, "code", HUARUI, None),
    (HUARUI.lower(), "code", HUARUI, None),
    ("９１１１００００６０００３７３４１Ｌ", "code", HUARUI, None),       # full-width from a kiosk keyboard
    ("91110000 6000 3734 1L", "code", HUARUI, None),
    (BAD_CHECK, "code", BAD_CHECK, "check_character"),
    ("91I10000600037341L", "code", "91I10000600037341L", "shape"),
    ("4301", "code", "4301", None),
    ("HRJC", "initials", "hrjc", None),
    ("华瑞", "name", "华瑞", None),
    ("  华瑞   建材 ", "name", "华瑞 建材", None),
])
def test_queries_are_classified(q, kind, text, warning):
    parsed = parse_query(q)
    assert (parsed.kind, parsed.text, parsed.warning) == (kind, text, warning)


@pytest.mark.parametrize("q", ["", "   ", "\x00", "华" * 61])
def test_empty_or_overlong_queries_are_refused(q):
    with pytest.raises(QueueError) as caught:
        parse_query(q)
    assert caught.value.code == "invalid_value"


def test_by_code_exact_with_summary(source):
    [found] = source.search(parse_query(HUARUI), limit=20, today=TODAY)
    assert found == {"code": HUARUI, "name": "湘江市华瑞建材贸易有限公司", "status": "active",
                     "type": "有限责任公司（自然人投资或控股）", "established": "2018-05-04",
                     "legal_representative": "王伟", "penalties": 2, "licences": 1, "lists": ["abnormal"],
                     "tax_grade": "B"}


def test_a_code_failing_its_check_is_still_found(source):
    assert names(source, BAD_CHECK) == ["岳麓区好运来商行"]
    assert names(source, HUARUI[:-1] + "0") == []


def test_by_part_of_a_code(source):
    assert set(names(source, "MA2YJ1")) == {"湘江市恒通物流有限公司", "岳麓区好运来商行"}


@pytest.mark.parametrize(("q", "expected"), [
    ("华瑞", {"湘江市华瑞建材贸易有限公司", "湘江德润华瑞食品有限公司"}),           # two characters
    ("华瑞建材", {"湘江市华瑞建材贸易有限公司"}),                                   # three and more
    ("瑞建材贸", {"湘江市华瑞建材贸易有限公司"}),
    ("湘江 食品", {"湘江德润华瑞食品有限公司"}),                                     # every word must match
    ("物流 华瑞", set()),
    ("100%", {"芙蓉区100%纯净水店"}),                                             # wildcards are literal
    ("%", {"芙蓉区100%纯净水店"}),
    ("华_瑞", {"临湘县华_瑞农产品专业合作社"}),
    ('"华瑞"', set()),
    ("abc科技", {"湘江市ABC科技有限公司"}),                                        # ASCII case is ignored
    ("c科", {"湘江市ABC科技有限公司"}),
    ("华", {"湘江市华瑞建材贸易有限公司", "湘江德润华瑞食品有限公司", "临湘县华_瑞农产品专业合作社"}),
    ("不存在的公司", set()),
])
def test_by_name_fragment(source, q, expected):
    assert set(names(source, q)) == expected


def test_by_pinyin_initials(source):
    assert name_initials("湘江市华瑞建材贸易有限公司") == "xjshrjcmyyxgs"
    assert names(source, "hrjc") == ["湘江市华瑞建材贸易有限公司"]
    assert set(names(source, "hr")) == {"湘江市华瑞建材贸易有限公司", "湘江德润华瑞食品有限公司",
                                       "临湘县华_瑞农产品专业合作社"}
    assert names(source, "xjhtwl") == []
    assert names(source, "xjshtwl") == ["湘江市恒通物流有限公司"]


def test_shorter_and_exact_names_come_first_and_limit_holds(source):
    assert names(source, "湘江") [0] == "湘江市恒通物流有限公司"
    assert len(names(source, "有限公司", limit=2)) == 2


def test_the_index_follows_updates_and_deletes(db, source):
    load(db, [company(HENGTONG, "湘江市恒达快运有限公司")])
    assert names(source, "恒通物流") == [] and names(source, "xjshtwl") == []
    assert names(source, "恒达快运") == ["湘江市恒达快运有限公司"] and names(source, "hdky") == ["湘江市恒达快运有限公司"]
    assert names(source, "恒通") == [] and names(source, "快运") == ["湘江市恒达快运有限公司"]
    with db.write() as s:
        s.execute(delete(CreditCompany).where(CreditCompany.code == HENGTONG))
    assert names(source, "恒达快运") == [] and names(source, "快运") == [] and names(source, HENGTONG) == []


def test_search_uses_the_dialects_index(db, source):
    """The plan of a name search reads the FTS5 table on SQLite and a trigram index on PostgreSQL."""
    with db.read() as s:
        if db.sqlite:
            plan = s.execute(text("EXPLAIN QUERY PLAN SELECT rowid FROM credit_companies_fts "
                                  "WHERE credit_companies_fts MATCH 'name : \"华瑞建材\"'")).all()
            assert any("VIRTUAL TABLE" in str(row) for row in plan)
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = s.execute(text("EXPLAIN SELECT id FROM credit_companies WHERE name ILIKE '%华瑞建材%'")).all()
            assert any("ix_credit_companies_name_trgm" in str(row) for row in plan)


def test_full_record(source):
    record = source.company(HUARUI, today=TODAY)
    assert record is not None
    assert record["registration"]["name"] == "湘江市华瑞建材贸易有限公司"
    assert [p["number"] for p in record["penalties"]] == ["1号", "2号"]
    assert [(x["list"], x["removed_on"]) for x in record["lists"]] == [("abnormal", None), ("red", "2025-01-01"),
                                                                      ("dishonest", None)]
    assert record["tax"] == {"grade": "B", "year": 2025, "source": ""}
    assert source.company("91430100MA4L1PX36W", today=TODAY) is None
