"""Importing the platform's exports: encodings, formats, broken rows, idempotence, atomicity."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hallq.server.credit import CreditFileInvalid, demo, import_rows, load_file
from hallq.server.credit.scrub import leaks
from hallq.server.credit_cli import credit
from hallq.server.models import AuditEntry
from hallq.server.models.credit import CreditCompany, CreditListEntry, CreditPenalty
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select, text

from hallq.identifiers import credit_check_char

from .conftest import company, load

CODES = ("91110000600037341L", "91350200MA2YJ1XR9G", "913502000728319549")
BAD_CHECK = "91350200MA2YJ1XR9H"
OTHER = "91430100MA4L1PX36" + credit_check_char("91430100MA4L1PX36")
ORPHAN = "91430100MA4L1PX37" + credit_check_char("91430100MA4L1PX37")
CREDIT_TABLES = ("credit_companies", "credit_licences", "credit_penalties", "credit_list_entries")


def run_import(db, path: Path, **kw: Any):
    return import_rows(db, load_file(path, **kw), actor=SYSTEM, now=datetime.now(UTC), target=path.name)


def dump(db) -> str:
    with db.read() as s:
        return "\n".join(str(row) for table in CREDIT_TABLES for row in s.execute(text(f"SELECT * FROM {table}")))


def stored(db) -> dict[str, CreditCompany]:
    with db.read() as s:
        return {c.code: c for c in s.scalars(select(CreditCompany))}


def write_json(path: Path, records: list[dict[str, Any]], encoding: str) -> None:
    path.write_bytes(json.dumps({"companies": records}, ensure_ascii=False).encode(encoding))


def write_csv(path: Path, header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as out:
        w = csv.writer(out)
        w.writerow(header)
        w.writerows(rows)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("kind", ["csv", "json"])
def test_every_encoding_and_format_loads_the_same_records(db, tmp_path, demo_records, kind, encoding):
    records = demo_records[:40]
    path = tmp_path / f"companies.{kind}"
    if kind == "csv":
        demo.write_csv(path, records, encoding=encoding)
    else:
        write_json(path, records, encoding)
    report = run_import(db, path)
    assert (report.created, report.rejected, report.issues) == (40, 0, [])
    companies = stored(db)
    assert {c.name for c in companies.values()} == {r["name"] for r in records}
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CreditPenalty)) == sum(len(r.get("penalties", ())) for r in records)
    # the legal representative's ID number is dropped, and no personal number survives in any text
    everything = dump(db)
    assert not any(r["legal_representative_id"] in everything for r in records)
    assert leaks(everything) == []
    assert any("身份证号" in p["facts"] for r in records for p in r.get("penalties", ()))


def test_chinese_column_names_of_platform_exports(db, tmp_path):
    path = tmp_path / "export.csv"
    write_csv(path, ["统一社会信用代码", "企业名称", "法定代表人", "成立日期", "登记状态", "纳税信用等级", "评价年度", "备注"],
              [[CODES[0], "湘江市华瑞建材贸易有限公司", "王伟", "2015/3/2", "存续（在营、开业、在册）", "A级", "2025", "x"],
               [CODES[1], "湘江市恒通物流有限公司", "李娜", "2019年7月1日", "吊销，未注销", "", "", ""]],
              encoding="gb18030")
    loaded = load_file(path)
    assert loaded.encodings == {"export.csv": "gb18030"} and loaded.ignored == {"export.csv:备注"}
    report = import_rows(db, loaded, actor=SYSTEM, now=datetime.now(UTC))
    assert report.created == 2 and report.issues == []
    companies = stored(db)
    first, second = companies[CODES[0]], companies[CODES[1]]
    assert (first.status, first.tax_grade, first.tax_year, first.established.isoformat()) == ("active", "A", 2025, "2015-03-02")
    assert (second.status, second.tax_grade, second.established.isoformat()) == ("revoked", None, "2019-07-01")
    assert first.initials == "xjshrjcmyyxgs"


def test_broken_rows_are_reported_and_the_good_rows_load(db, tmp_path):
    path = tmp_path / "companies.csv"
    header = ["code", "name", "established", "status"]
    write_csv(path, header, [
        [CODES[0], "湘江市华瑞建材贸易有限公司", "2015-03-02", "存续"],      # row 2: good
        [CODES[1], "湘江市恒通物流有限公司", "2015-02-30", "存续"],          # row 3: no such date
        ["913502000728319549", "", "2016-01-01", "存续"],                    # row 4: no name
        ["91I10000600037341L", "湘江市坏码有限公司", "", ""],                 # row 5: not a code
        [BAD_CHECK, "湘江市校验位有限公司", "", "在业"],                     # row 6: check fails: warning
        [CODES[0], "湘江市重复有限公司", "", ""],                           # row 7: duplicate of row 2
        ["91430100MA4L00000X", "湘江市短行有限公司"],                       # row 8: too few fields
        ["92430104MA4L6R3P0D", "岳麓区好运来商行", "2020-01-01", "神秘状态"],  # row 9: unknown status
        [OTHER, "湘江市德润食品有限公司", "", ""],                          # row 10: its penalty is broken
    ])
    write_csv(path.with_name("companies.penalties.csv"), ["code", "number", "decided_on", "facts"], [
        [CODES[0], "湘市监罚〔2024〕1号", "2024-01-05", "当事人电话13812345678"],
        [OTHER, "湘市监罚〔2024〕2号", "2024-13-01", ""],                  # bad date: rejects its company
        [ORPHAN, "湘市监罚〔2024〕3号", "2024-01-05", ""],                  # no such company in the file
    ])
    report = run_import(db, path)
    rejected = {(i.file, i.row, i.field) for i in report.rejections}
    assert rejected == {
        ("companies.csv", 3, "established"), ("companies.csv", 4, "name"), ("companies.csv", 5, "code"),
        ("companies.csv", 7, "code"), ("companies.csv", 8, ""), ("companies.csv", 9, "status"),
        ("companies.penalties.csv", 3, "decided_on"), ("companies.penalties.csv", 4, "code"),
    }
    assert [(i.row, i.reason) for i in report.warnings] == [(6, "check_character")]
    assert report.created == 2
    companies = stored(db)
    assert set(companies) == {CODES[0], BAD_CHECK} and companies[BAD_CHECK].status == "active"
    with db.read() as s:
        assert s.scalars(select(CreditPenalty.facts)).all() == ["当事人电话138****5678"]


def test_a_code_whose_check_character_fails_is_kept_and_flagged(db, tmp_path):
    path = tmp_path / "c.json"
    write_json(path, [company(BAD_CHECK, "湘江市校验位有限公司")], "utf-8")
    report = run_import(db, path)
    assert report.created == 1 and [i.reason for i in report.warnings] == ["check_character"]
    assert stored(db)[BAD_CHECK].code_checked is False


def test_undecodable_bytes_reject_only_their_row(db, tmp_path):
    path = tmp_path / "companies.csv"
    write_csv(path, ["code", "name"], [[CODES[0], "湘江市华瑞建材贸易有限公司"], [CODES[1], "湘江市恒通物流有限公司"],
                                       [CODES[2], "湘江市德润食品有限公司"]], encoding="gb18030")
    data = path.read_bytes()
    damaged = "恒通".encode("gb18030")
    path.write_bytes(data.replace(damaged, damaged[:1] + b"\xff"))
    report = run_import(db, path)
    assert load_file(path).encodings["companies.csv"] == "gb18030"
    assert [(i.row, i.field) for i in report.rejections] == [(3, "name")]
    assert set(stored(db)) == {CODES[0], CODES[2]}


def test_reimporting_the_same_file_changes_nothing(db, tmp_path, demo_records):
    path = tmp_path / "companies.json"
    write_json(path, demo_records[:60], "utf-8")
    first = run_import(db, path)
    before = {code: (c.id, c.imported_at, c.digest) for code, c in stored(db).items()}
    before_dump = dump(db)
    again = run_import(db, path)
    assert (first.created, again.created, again.updated, again.unchanged) == (60, 0, 0, 60)
    assert {code: (c.id, c.imported_at, c.digest) for code, c in stored(db).items()} == before
    assert dump(db) == before_dump
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "credit.import")) == 2


def test_a_company_is_replaced_whole_or_not_at_all(db, tmp_path):
    path = tmp_path / "c.json"
    penalties = [{"number": "1号", "decided_on": "2024-01-01"}, {"number": "2号", "decided_on": "2024-02-01"}]
    lists = [{"list": "经营异常名录", "included_on": "2024-03-01", "reason": "无法联系"}]
    write_json(path, [company(CODES[0], "湘江市华瑞建材贸易有限公司", penalties=penalties, lists=lists)], "utf-8")
    assert run_import(db, path).created == 1
    # a new version with a broken penalty: nothing of it is written
    broken = [{"number": "3号", "decided_on": "someday"}]
    write_json(path, [company(CODES[0], "湘江市华瑞新材料有限公司", penalties=broken)], "utf-8")
    report = run_import(db, path)
    assert report.rejected == 1 and report.rejections[0].field == "penalties[0].decided_on"
    with db.read() as s:
        assert s.scalar(select(CreditCompany.name)) == "湘江市华瑞建材贸易有限公司"
        assert sorted(s.scalars(select(CreditPenalty.number))) == ["1号", "2号"]
    # a valid new version replaces the registration and every sub-record
    write_json(path, [company(CODES[0], "湘江市华瑞新材料有限公司", penalties=[{"number": "3号"}])], "utf-8")
    assert run_import(db, path).updated == 1
    with db.read() as s:
        assert s.scalar(select(CreditCompany.name)) == "湘江市华瑞新材料有限公司"
        assert s.scalars(select(CreditPenalty.number)).all() == ["3号"]
        assert s.scalar(select(func.count()).select_from(CreditListEntry)) == 0


def test_json_lines_report_a_broken_line_and_load_the_rest(db, tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps(company(CODES[0], "湘江市华瑞建材贸易有限公司"), ensure_ascii=False), "{not json",
             "", json.dumps([1, 2]), json.dumps(company(CODES[1], "湘江市恒通物流有限公司"), ensure_ascii=False)]
    path.write_text("\n".join(lines), encoding="utf-8")
    report = run_import(db, path)
    assert [(i.row, i.field) for i in report.rejections] == [(2, ""), (4, "")]
    assert set(stored(db)) == {CODES[0], CODES[1]}


@pytest.mark.parametrize(("name", "content"), [
    ("c.csv", "名称,地址\n湘江市华瑞建材贸易有限公司,湘江市\n"),
    ("c.csv", ""),
    ("c.json", '{"companies": [ {"code": '),
    ("c.json", '{"rows": []}'),
    ("c.xlsx", "x"),
])
def test_unreadable_files_are_refused_whole(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CreditFileInvalid):
        load_file(path)


def test_command_line_import_with_progress_report_and_exit_status(db, tmp_path, demo_records):
    runner = CliRunner()
    out = tmp_path / "demo.csv"
    made = runner.invoke(credit, ["demo", "--count", "30", "--out", str(out), "--encoding", "gb18030"])
    assert made.exit_code == 0, made.output
    done = runner.invoke(credit, ["import", str(out), "--db", db.url])
    assert done.exit_code == 0, done.output
    assert "30 new" in done.output and "gb18030" in done.output
    with out.open("a", encoding="gb18030", newline="") as f:
        f.write("9143XXXX,湘江市坏行有限公司" + "," * 14 + "\n")
    report = tmp_path / "issues.csv"
    again = runner.invoke(credit, ["import", str(out), "--db", db.url, "--report", str(report)])
    assert again.exit_code == 2
    assert "30 unchanged" in again.output and "1 rejected" in again.output
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert [(r["row"], r["field"], r["kind"]) for r in rows] == [("32", "code", "rejected")]


def test_hall_demo_loads_companies_once(db):
    from hallq.server.credit.demo import load_if_empty

    now = datetime.now(UTC)
    assert load_if_empty(db, now=now, count=25) == 25
    assert load_if_empty(db, now=now + timedelta(seconds=1), count=25) == 0
    assert len(stored(db)) == 25


def test_a_row_the_database_refuses_is_reported_and_the_batch_still_loads(db):
    """A refusal that only the database sees (here a rule added for the test) costs one row."""
    refuse = "湘江市拒收有限公司"
    with db.write() as s:
        if db.sqlite:
            s.execute(text(f"CREATE TRIGGER refuse_one BEFORE INSERT ON credit_companies WHEN NEW.name = '{refuse}' "
                           "BEGIN SELECT RAISE(ABORT, 'refused'); END"))
        else:
            s.execute(text(f"ALTER TABLE credit_companies ADD CONSTRAINT refuse_one CHECK (name <> '{refuse}')"))
    try:
        report = load(db, [company(CODES[0], "湘江市华瑞建材贸易有限公司", penalties=[{"number": "1号"}]),
                           company(CODES[1], refuse, penalties=[{"number": "2号"}]),
                           company(CODES[2], "湘江市德润食品有限公司")])
        assert (report.created, report.rejected) == (2, 1)
        assert [(i.row, i.code) for i in report.rejections] == [(2, CODES[1])]
        assert set(stored(db)) == {CODES[0], CODES[2]}
        with db.read() as s:
            assert s.scalars(select(CreditPenalty.number)).all() == ["1号"]
    finally:
        with db.write() as s:
            s.execute(text("DROP TRIGGER refuse_one" if db.sqlite
                           else "ALTER TABLE credit_companies DROP CONSTRAINT refuse_one"))
