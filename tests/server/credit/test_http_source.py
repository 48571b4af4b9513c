"""HttpSource against the simulated city platform on 127.0.0.1: same answers as the local
tables, personal data masked on the way in, failures reported as credit_unavailable."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hallq.server.credit import HttpSource, LocalSource, make_source, parse_query
from hallq.server.credit.platform import PlatformSimulator
from hallq.server.credit.scrub import leaks
from hallq.server.engine import QueueError
from hallq.server.settings import Settings

from .conftest import load
from .platform_data import records

TODAY = date(2026, 3, 4)


@pytest.fixture
def platform():
    sim = PlatformSimulator(records(), token="platform-token").start()
    yield sim
    sim.stop()


@pytest.fixture
def http(platform):
    source = HttpSource(platform.url, token="platform-token", timeout=5)
    yield source
    source.close()


def test_search_answers_like_the_local_tables(db, http):
    load(db, records())
    local = LocalSource(db)
    for q in ("91110000600037341L", "华瑞", "hrjc", "恒通 物流"):
        remote = http.search(parse_query(q), limit=20, today=TODAY)
        assert remote and sorted(remote, key=lambda r: r["code"]) == sorted(
            local.search(parse_query(q), limit=20, today=TODAY), key=lambda r: r["code"])


def test_records_from_the_platform_are_masked(http, platform):
    raw = json.dumps(records(), ensure_ascii=False)
    assert leaks(raw) and "430105198806121231" in raw
    record = http.company("91110000600037341L", today=TODAY)
    assert record is not None
    text = json.dumps(record, ensure_ascii=False)
    assert leaks(text) == [] and "430105198806121231" not in text
    assert record["penalties"][0]["facts"] == "经查，当事人法定代表人王伟（身份证号430105********1231，电话138****5678）无证经营。"
    assert http.company("91430100MA4L1PX36W", today=TODAY) is None
    assert platform.requests[-1] == "/companies/91430100MA4L1PX36W"


def test_an_invalid_record_from_the_platform_is_skipped(platform, http):
    platform.records["BROKEN"] = {"code": "BROKEN", "name": "华瑞坏记录"}
    assert {r["name"] for r in http.search(parse_query("华瑞"), limit=20, today=TODAY)} == {
        "湘江市华瑞建材贸易有限公司", "湘江德润华瑞食品有限公司"}


def test_failures_are_credit_unavailable(platform):
    without_token = HttpSource(platform.url, timeout=5)
    with pytest.raises(QueueError) as caught:
        without_token.search(parse_query("华瑞"), limit=5, today=TODAY)
    assert caught.value.code == "credit_unavailable"
    platform.fail_with = 500
    with_token = HttpSource(platform.url, token="platform-token", timeout=5)
    with pytest.raises(QueueError) as caught:
        with_token.company("91110000600037341L", today=TODAY)
    assert caught.value.code == "credit_unavailable"
    url = platform.url
    platform.stop()
    gone = HttpSource(url, timeout=2)
    with pytest.raises(QueueError) as caught:
        gone.search(parse_query("华瑞"), limit=5, today=TODAY)
    assert caught.value.code == "credit_unavailable"
    for source in (without_token, with_token, gone):
        source.close()


def test_the_setting_chooses_the_source(db):
    assert isinstance(make_source(Settings(database_url=db.url), db), LocalSource)
    source = make_source(Settings(database_url=db.url, credit_source="http", credit_http_url="http://127.0.0.1:9"), db)
    assert isinstance(source, HttpSource)
    source.close()
    with pytest.raises(QueueError):
        make_source(Settings(database_url=db.url, credit_source="http"), db)
