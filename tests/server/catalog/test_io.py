import json
from copy import deepcopy

import pytest
from hallq.server.catalog import (
    CatalogFile,
    CatalogInvalid,
    export_catalog,
    import_catalog,
    load_catalog_file,
)
from hallq.server.catalog.io import dump_catalog
from hallq.server.engine import QueueError
from hallq.server.models import Department, Queue, ServiceItem, Window, WindowQueue
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select

from tests.support.hall import small_catalog


def test_import_then_export_round_trips(db, now, tmp_path):
    data = small_catalog()
    with db.write() as s:
        report = import_catalog(s, CatalogFile.parse(data), actor=SYSTEM, now=now)
    assert report.created["services"] == 4 and report.created["windows"] == 4
    with db.read() as s:
        exported = export_catalog(s)
    assert CatalogFile.parse(exported) == CatalogFile.parse(exported)
    original, again = CatalogFile.parse(data), CatalogFile.parse(exported)
    assert [d.code for d in again.departments] == [d.code for d in original.departments]
    assert [(w.number, [r.queue for r in w.routes()], w.policy) for w in again.windows] == \
           [(w.number, [r.queue for r in w.routes()], w.policy) for w in original.windows]
    assert {s.code: s.guide for s in again.services} == {s.code: s.guide for s in original.services}
    # importing the export again changes nothing
    path = tmp_path / "hall.yaml"
    dump_catalog(exported, path)
    with db.write() as s:
        report = import_catalog(s, CatalogFile.parse(load_catalog_file(path)), actor=SYSTEM, now=now)
    assert sum(report.updated.values()) == 0 and sum(report.created.values()) == 0


def test_import_is_an_upsert_by_code(db, now):
    data = small_catalog()
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(data), actor=SYSTEM, now=now)
    changed = deepcopy(data)
    changed["services"][0]["name_zh"] = "企业设立登记（一网通办）"
    changed["windows"][0]["queues"] = ["amr-food"]
    with db.write() as s:
        report = import_catalog(s, CatalogFile.parse(changed), actor=SYSTEM, now=now)
    assert report.updated["services"] == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ServiceItem)) == 4
        w1 = s.scalars(select(Window).where(Window.number == 1)).one()
        food = s.scalars(select(Queue).where(Queue.code == "amr-food")).one()
        assert [r.queue_id for r in s.scalars(select(WindowQueue).where(WindowQueue.window_id == w1.id))] == [food.id]


def test_pinyin_initials_are_indexed_for_search(db, now):
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(small_catalog()), actor=SYSTEM, now=now)
    with db.read() as s:
        amr = s.scalars(select(Department).where(Department.code == "amr")).one()
        assert amr.initials == "scjdglj"
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == "amr-001")).one()
        assert item.initials == "qysldj"


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["queues"][1].update(prefix="A"), "queue prefix A: appears more than once"),
    (lambda d: d["queues"][0].update(prefix="a1"), "queues[0] (amr-reg).prefix"),
    (lambda d: d["services"][1].update(queue="nope"), "service amr-002.queue: unknown queue 'nope'"),
    (lambda d: d["services"][0].update(guide={"promised_days": 30, "statutory_days": 5}),
     "services[0] (amr-001).guide"),
    (lambda d: d["services"][0].update(guide={"promised_days": "soon"}), "services[0] (amr-001).guide.promised_days"),
    (lambda d: d["windows"][0].update(policy="random"), "windows[0] (1).policy"),
    (lambda d: d["windows"][0].update(queues=["amr-reg", "amr-reg"]), "window 1.queues: a queue appears twice"),
    (lambda d: d["hall"].update(hours={"mon": [["13:00", "09:00"]]}), "hall.hours"),
    (lambda d: d["hall"].update(timezone="Mars/Olympus"), "hall.timezone"),
    (lambda d: d["departments"][0].update(colour="red"), "departments[0] (amr).colour"),
])
def test_invalid_catalogs_name_the_item_and_field(mutate, expected):
    data = small_catalog()
    mutate(data)
    with pytest.raises(CatalogInvalid) as err:
        CatalogFile.parse(data)
    assert any(e.startswith(expected) for e in err.value.errors), err.value.errors


def test_a_refused_import_writes_nothing(db, now):
    data = small_catalog(reset_hour=30)
    with pytest.raises(QueueError) as err, db.write() as s:
        import_catalog(s, CatalogFile.parse(data), actor=SYSTEM, now=now)
    assert err.value.code == "invalid_value"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 0


def test_files_with_bom_and_broken_files(tmp_path):
    good = tmp_path / "hall.json"
    good.write_text(json.dumps(small_catalog(), ensure_ascii=False), encoding="utf-8-sig")
    assert CatalogFile.parse(load_catalog_file(good)).hall.code == "test-hall"
    broken = tmp_path / "broken.yaml"
    broken.write_text("hall: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogInvalid) as err:
        load_catalog_file(broken)
    assert "cannot be parsed" in err.value.errors[0]
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("hall: 政务".encode("gbk"))
    with pytest.raises(CatalogInvalid):
        load_catalog_file(gbk)
