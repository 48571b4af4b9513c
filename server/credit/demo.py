"""A demo data set of companies for the credit query terminal, in the JSON import format.

Codes are valid GB 32100 codes (with a GB 11714 organization code inside, whose own check
character is right too); names follow 区域 + 字号 + 行业 + 组织形式 (湘江市华瑞建材贸易有限公司).
Some companies carry licences, penalties and list memberships, and some penalty texts hold
made-up ID and mobile numbers, as real notices do, so that masking can be seen at work.
Everything is generated from a seed: the same seed gives the same companies.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hallq.identifiers import CREDIT_ALPHABET, credit_check_char, id_check_char

from ..db import Database
from ..models.credit import CreditCompany
from .files import part_path
from .scrub import looks_like_id_number

CITY = "湘江市"
DISTRICTS = (("430102", "芙蓉区"), ("430103", "天心区"), ("430104", "岳麓区"), ("430105", "开福区"),
             ("430111", "雨花区"), ("430112", "望城区"), ("430121", "临湘县"), ("430181", "浏阳市"))
BRAND_CHARS = ("华瑞鑫源博远恒通德润金穗宏达盛世永兴天和嘉信汇丰隆昌泰康宇航安顺誉佳明晟福星众联同创新锐"
               "卓越凯旋正兴旺荣发锦程弘毅富民宏图湘楚潇岳麓星城芙蓉橘洲银河长青松柏翔龙腾飞")
INDUSTRIES: tuple[tuple[str, str, str | None], ...] = (
    # (行业, 经营范围, 许可证)
    ("建材贸易", "建筑材料、装饰材料、五金交电的销售", None),
    ("餐饮管理", "餐饮服务；餐饮管理；食品销售", "食品经营许可证"),
    ("信息技术", "软件开发；信息系统集成服务；信息技术咨询服务", None),
    ("物流", "普通货物道路运输；仓储服务；货物装卸搬运", "道路运输经营许可证"),
    ("建筑工程", "房屋建筑工程、市政公用工程施工", "建筑业企业资质证书"),
    ("医药连锁", "药品零售；医疗器械销售；保健食品销售", "药品经营许可证"),
    ("农业科技", "农业技术开发、推广；农产品种植、销售", None),
    ("文化传媒", "文化活动策划；广告设计、制作、发布", None),
    ("机械制造", "通用机械设备制造、销售及维修", None),
    ("电子商务", "互联网销售；日用百货、服装鞋帽销售", None),
    ("装饰设计", "室内外装饰装修工程设计与施工", None),
    ("汽车销售服务", "汽车销售；汽车零配件销售；汽车维修", None),
    ("教育咨询", "教育咨询服务（不含教育培训活动）", None),
    ("环保科技", "环保技术开发；污水处理设备销售", "排污许可证"),
    ("食品", "食品生产；食品销售", "食品生产许可证"),
    ("物业管理", "物业管理；家政服务；停车场服务", None),
    ("新能源科技", "太阳能发电技术服务；储能技术服务", None),
    ("供应链管理", "供应链管理服务；国内贸易代理", None),
    ("酒店管理", "住宿服务；酒店管理；会议及展览服务", "卫生许可证"),
    ("生物科技", "生物技术开发、技术转让；实验仪器销售", None),
)
FORMS: tuple[tuple[str, str, str, int], ...] = (
    # (组织形式, 类型, 类别代码, 权重)
    ("有限公司", "有限责任公司（自然人投资或控股）", "1", 55),
    ("有限责任公司", "有限责任公司（自然人独资）", "1", 15),
    ("股份有限公司", "股份有限公司（非上市、自然人投资或控股）", "1", 5),
    ("商行", "个体工商户", "2", 15),
    ("专业合作社", "农民专业合作社", "3", 10),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红文斌辉鹏飞宇浩然欣怡子涵"
ROADS = ("五一大道", "芙蓉中路", "韶山北路", "人民东路", "湘江中路", "麓山南路", "劳动西路", "金星北路", "万家丽路")
ABNORMAL_REASONS = ("通过登记的住所或者经营场所无法联系", "未按照规定期限公示年度报告",
                    "公示企业信息隐瞒真实情况、弄虚作假")
PENALTY_CASES = (
    ("罚款", "销售超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("警告", "未按规定公示营业执照", "《中华人民共和国市场主体登记管理条例》第四十八条"),
    ("罚款", "发布虚假广告", "《中华人民共和国广告法》第五十五条第一款"),
    ("罚款", "未按规定开具发票", "《中华人民共和国发票管理办法》第三十五条"),
    ("没收违法所得、罚款", "无证经营", "《无证无照经营查处办法》第十三条"),
    ("罚款", "施工扬尘污染防治措施不到位", "《中华人民共和国大气污染防治法》第一百一十五条"),
)
GRADES = (("A", 30), ("B", 40), ("M", 15), ("C", 10), ("D", 5))


def org_check_char(first8: str) -> str:
    """GB 11714 check character of an organization code's first eight characters."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, weights, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def make_code(rng: random.Random, category: str, division: str, *, modern: bool) -> str:
    """A valid unified social credit code; ``modern`` codes (since 2015) have MA organization codes."""
    while True:
        if modern:
            body = "MA" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(6))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        org = body + org_check_char(body)
        if any(ch not in CREDIT_ALPHABET for ch in org):
            continue
        first17 = "9" + category + division + org
        code = first17 + credit_check_char(first17)
        # An all-digit code that reads as an ID number would be masked in texts; avoid it.
        if code.isdigit() and looks_like_id_number(code):
            continue
        return code


def make_id_number(rng: random.Random, division: str) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    first17 = division + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _weighted(rng: random.Random, items: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(items, weights=[i[-1] for i in items])[0]


def companies(count: int, *, seed: int = 2026, today: date = date(2026, 3, 1)) -> Iterator[dict[str, Any]]:
    """``count`` companies with distinct codes and names, in the JSON import format."""
    rng = random.Random(seed)
    codes: set[str] = set()
    names: set[str] = set()
    cities = (CITY, CITY[:2])
    for _ in range(count):
        division, district = rng.choice(DISTRICTS)
        industry, scope, licence = rng.choice(INDUSTRIES)
        form, kind, category, _ = _weighted(rng, FORMS)
        while True:
            brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 2, 2, 3))))
            if category == "2":
                name = f"{district}{brand}{industry}{form}"
            elif category == "3":
                name = f"{district}{brand}农产品{form}"
            else:
                region = rng.choice(cities) if rng.random() < 0.8 else f"{CITY}{district}"
                name = f"{region}{brand}{industry}{form}"
            if name not in names:
                names.add(name)
                break
        established = _day(rng, date(1998, 1, 1), today)
        code = make_code(rng, category, division, modern=established.year >= 2015)
        while code in codes:
            code = make_code(rng, category, division, modern=established.year >= 2015)
        codes.add(code)
        rep = _person(rng)
        market = f"{CITY}市场监督管理局" if rng.random() < 0.5 else f"{CITY}{district}市场监督管理局"
        status = _weighted(rng, (("存续", 90), ("吊销，未注销", 3), ("注销", 5), ("迁出", 1), ("停业", 1)))[0]
        record: dict[str, Any] = {
            "code": code, "name": name, "type": kind, "legal_representative": rep,
            "legal_representative_id": make_id_number(rng, division),
            "registered_capital": "" if category == "2" else f"{rng.choice((10, 50, 100, 200, 500, 1000, 3000))}万元人民币",
            "established": established.isoformat(),
            "address": f"{CITY}{district}{rng.choice(ROADS)}{rng.randrange(1, 999)}号",
            "business_scope": scope, "status": status, "authority": market,
            "source": f"{CITY}公共信用信息平台", "updated": _day(rng, date(2025, 6, 1), today).isoformat(),
        }
        if rng.random() < 0.7:
            record["tax"] = {"grade": _weighted(rng, GRADES)[0], "year": rng.choice((2024, 2025)),
                             "source": f"国家税务总局{CITY}税务局"}
        if licence and rng.random() < 0.6:
            decided = _day(rng, max(established, date(2015, 1, 1)), today)
            record["licences"] = [{
                "number": f"{licence[:2]}{division}{rng.randrange(10**7):07d}", "name": licence,
                "content": f"{scope.split('；')[0]}", "authority": market, "decided_on": decided.isoformat(),
                "valid_from": decided.isoformat(), "valid_to": (decided + timedelta(days=5 * 365)).isoformat(),
                "legal_basis": "《中华人民共和国行政许可法》", "source": market}]
        if rng.random() < 0.12:
            record["penalties"] = [_penalty(rng, rep, division, market, established, today)
                                   for _ in range(rng.choice((1, 1, 2)))]
        lists = []
        roll = rng.random()
        if roll < 0.05:
            included = _day(rng, max(established, date(2018, 1, 1)), today)
            removed = _day(rng, included, today) if rng.random() < 0.3 else None
            lists.append({"list": "经营异常名录", "reason": rng.choice(ABNORMAL_REASONS),
                          "included_on": included.isoformat(), "removed_on": removed.isoformat() if removed else None,
                          "authority": market, "source": market})
        elif roll < 0.06:
            court = rng.random() < 0.5
            lists.append({"list": "失信被执行人" if court else "严重违法失信名单",
                          "reason": "有履行能力而拒不履行生效法律文书确定义务" if court
                          else "被列入经营异常名录届满3年仍未履行相关义务",
                          "included_on": _day(rng, max(established, date(2019, 1, 1)), today).isoformat(),
                          "authority": f"{CITY}中级人民法院" if court else market, "source": f"{CITY}公共信用信息平台"})
        elif roll < 0.09 and record.get("tax", {}).get("grade") == "A":
            lists.append({"list": "守信激励", "reason": "连续三年纳税信用评价为A级",
                          "included_on": _day(rng, date(2024, 1, 1), today).isoformat(),
                          "authority": f"国家税务总局{CITY}税务局", "source": f"{CITY}公共信用信息平台"})
        if lists:
            record["lists"] = lists
        yield record


def _penalty(rng: random.Random, rep: str, division: str, authority: str, established: date,
             today: date) -> dict[str, Any]:
    kind, fact, basis = rng.choice(PENALTY_CASES)
    decided = _day(rng, max(established, date(2019, 1, 1)), today)
    facts = f"经查，当事人{fact}。"
    if rng.random() < 0.3:
        # Real notices sometimes print the person's numbers; the importer must mask them.
        facts = (f"经查，当事人法定代表人{rep}（身份证号{make_id_number(rng, division)}，"
                 f"联系电话{_mobile(rng)}）{fact}。")
    amount = rng.choice((2000, 5000, 10000, 30000, 50000)) if "罚款" in kind else 0
    return {"number": f"湘江市监处罚〔{decided.year}〕{rng.randrange(1, 999)}号", "kind": kind, "facts": facts,
            "content": f"{kind}{f'人民币{amount}元' if amount else ''}", "amount": amount or None,
            "authority": authority, "decided_on": decided.isoformat(), "legal_basis": basis, "source": authority}


def write_json(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"source": f"{CITY}公共信用信息平台", "companies": records}, ensure_ascii=False,
                               indent=1), encoding="utf-8")


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


COMPANY_COLUMNS = ("code", "name", "type", "legal_representative", "legal_representative_id", "registered_capital",
                   "established", "address", "business_scope", "status", "authority", "source", "updated",
                   "tax_grade", "tax_year", "tax_source")
PART_COLUMNS = {
    "licences": ("code", "number", "name", "content", "authority", "decided_on", "valid_from", "valid_to",
                 "legal_basis", "source"),
    "penalties": ("code", "number", "kind", "facts", "content", "amount", "authority", "decided_on",
                  "legal_basis", "source"),
    "lists": ("code", "list", "reason", "included_on", "removed_on", "authority", "source"),
}


def write_csv(path: Path, records: list[dict[str, Any]], *, encoding: str = "utf-8") -> list[Path]:
    """companies.csv and its sibling files of sub-records; returns the files written."""
    written = [path]
    with path.open("w", encoding=encoding, newline="") as out:
        w = csv.writer(out)
        w.writerow(COMPANY_COLUMNS)
        for r in records:
            tax = r.get("tax") or {}
            w.writerow([r.get(c, "") if not c.startswith("tax_") else tax.get(c[4:], "") for c in COMPANY_COLUMNS])
    for kind, columns in PART_COLUMNS.items():
        sub = part_path(path, kind)
        written.append(sub)
        with sub.open("w", encoding=encoding, newline="") as out:
            w = csv.writer(out)
            w.writerow(columns)
            for r in records:
                for item in r.get(kind) or ():
                    w.writerow([r["code"] if c == "code" else ("" if item.get(c) is None else item.get(c))
                                for c in columns])
    return written


DEMO_COMPANIES = 3000


def load_if_empty(db: Database, *, now: datetime, count: int = DEMO_COMPANIES) -> int:
    """Load ``count`` demo companies when the credit tables are empty (``hallq demo``)."""
    from ..services.actors import SYSTEM
    from .files import Origin, SourceRow
    from .importer import import_rows

    with db.read() as s:
        if s.scalar(select(CreditCompany.id).limit(1)) is not None:
            return 0
    rows = [SourceRow(Origin("demo", i), r) for i, r in enumerate(companies(count), start=1)]
    return import_rows(db, rows, actor=SYSTEM, now=now, target="demo").created
