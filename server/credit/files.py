"""Reading the credit platform's export files: CSV (with sibling files of sub-records), JSON,
JSON Lines; UTF-8 with or without BOM, or GB18030. The format is described in FORMAT.md.

Reading never refuses a whole file for one bad row: a row that cannot be read becomes an
:class:`Issue` and the others go on. Only problems that make every row meaningless (no header,
no code column, JSON that does not parse) stop the file, as :class:`CreditFileInvalid`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARTS = ("licences", "penalties", "lists")

# Column names a platform export may use, by field; English field names always work too.
_COMPANY_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("统一社会信用代码", "社会信用代码", "信用代码"),
    "name": ("企业名称", "名称", "主体名称", "市场主体名称"),
    "type": ("企业类型", "类型", "市场主体类型", "主体类型"),
    "legal_representative": ("法定代表人", "法定代表人(负责人)", "负责人", "经营者", "执行事务合伙人"),
    "legal_representative_id": ("法定代表人证件号码", "法定代表人身份证号码", "证件号码", "身份证号码"),
    "registered_capital": ("注册资本", "注册资金", "出资额"),
    "established": ("成立日期", "成立时间"),
    "address": ("住所", "地址", "经营场所", "住所(经营场所)"),
    "business_scope": ("经营范围",),
    "status": ("登记状态", "经营状态", "状态"),
    "authority": ("登记机关",),
    "source": ("数据来源", "来源单位"),
    "updated": ("更新日期", "数据更新日期"),
    "tax_grade": ("纳税信用等级", "纳税信用级别"),
    "tax_year": ("评价年度", "纳税信用评价年度"),
    "tax_source": ("纳税信用来源",),
}
_PART_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "licences": {
        "code": _COMPANY_COLUMNS["code"], "number": ("许可文书号", "许可证书编号", "行政许可决定文书号"),
        "name": ("许可证书名称", "行政许可决定文书名称", "许可事项"), "content": ("许可内容",),
        "authority": ("许可机关",), "decided_on": ("许可决定日期", "许可日期"),
        "valid_from": ("有效期自",), "valid_to": ("有效期至",), "legal_basis": ("许可依据",),
        "source": ("数据来源",),
    },
    "penalties": {
        "code": _COMPANY_COLUMNS["code"], "number": ("行政处罚决定书文号", "处罚决定书文号", "决定书文号"),
        "kind": ("处罚类别",), "facts": ("违法事实", "主要违法事实", "违法行为类型"),
        "content": ("处罚内容",), "amount": ("罚款金额", "罚款金额(元)"),
        "authority": ("处罚机关",), "decided_on": ("处罚决定日期", "决定日期"),
        "legal_basis": ("处罚依据",), "source": ("数据来源",),
    },
    "lists": {
        "code": _COMPANY_COLUMNS["code"], "list": ("名单", "名单类型", "名单名称"),
        "reason": ("列入原因", "列入事由"), "included_on": ("列入日期",), "removed_on": ("移出日期",),
        "authority": ("作出决定机关", "列入机关", "决定机关"), "source": ("数据来源",),
    },
}
_JSON_COMPANY_KEYS = frozenset(_COMPANY_COLUMNS) - {"tax_grade", "tax_year", "tax_source"} | {"tax", *PARTS}
_JSON_PART_KEYS = {kind: frozenset(cols) - {"code"} for kind, cols in _PART_COLUMNS.items()}
REPLACEMENT = "\ufffd"


class CreditFileInvalid(ValueError):
    """A file that cannot be imported at all; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Origin:
    """Where a row came from: the file's name and the row's number in it (the header is row 1;
    in JSON the position in the array; in JSON Lines the line)."""

    file: str
    row: int


@dataclass(frozen=True)
class Issue:
    """A row that was rejected (or, with ``warning``, loaded with a remark), and why."""

    file: str
    row: int
    field: str
    reason: str
    code: str = ""
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning" if self.warning else "rejected"
        where = f"{self.file} row {self.row}" + (f" ({self.code})" if self.code else "")
        return f"{where}: {self.field or 'row'}: {self.reason} [{kind}]"


@dataclass
class SourceRow:
    origin: Origin
    data: dict[str, Any]
    # For CSV sub-files: where each sub-record came from, in the order of data[kind].
    parts: dict[str, list[Origin]] = field(default_factory=dict)


@dataclass
class LoadedFile:
    rows: list[SourceRow]
    issues: list[Issue] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)
    # CSV only: the sub-record file read for each kind, or None when there was none.
    parts_found: dict[str, str | None] = field(default_factory=dict)
    # JSON {"source": ..., "companies": [...]}: the source of records that name none.
    default_source: str = ""
    # Some bytes did not decode (they are U+FFFD now): rows holding them are rejected.
    lossy: bool = False


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the encoding used: a BOM decides; else UTF-8 if it decodes
    cleanly, else whichever of UTF-8 and GB18030 leaves fewer undecodable bytes. Undecodable
    bytes become U+FFFD, which rejects the rows holding them rather than the file."""
    if encoding:
        return data.decode(encoding, errors="replace"), encoding
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(text.count(REPLACEMENT), name, text) for name in ("gb18030", "utf-8")
                  for text in [data.decode(name, errors="replace")]]
    _, name, text = min(candidates, key=lambda c: c[0])
    return text, name


def _header_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lstrip("\ufeff").lower().replace(" ", "")


def _column_map(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = {_header_key(k): k for k in aliases}
    for key, names in aliases.items():
        for n in names:
            out[_header_key(n)] = key
    return out


def _read_csv(path: Path, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...], encoding: str | None,
              loaded: LoadedFile) -> list[tuple[Origin, dict[str, str]]]:
    text, used = decode(path.read_bytes(), encoding)
    loaded.encodings[path.name] = used
    loaded.lossy = loaded.lossy or REPLACEMENT in text
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CreditFileInvalid([f"{path.name}: empty file"]) from None
    except csv.Error as exc:
        raise CreditFileInvalid([f"{path.name}: header cannot be read: {exc}"]) from None
    columns = _column_map(aliases)
    keys: list[str | None] = []
    for name in header:
        key = columns.get(_header_key(name))
        if key is None and _header_key(name):
            loaded.ignored.add(f"{path.name}:{name.strip()}")
        keys.append(key)
    problems = [f"{path.name}: no {k!r} column (header: {', '.join(header)})" for k in required if k not in keys]
    dupes = {k for k in keys if k is not None and keys.count(k) > 1}
    problems += [f"{path.name}: column {k!r} appears more than once" for k in sorted(dupes)]
    if problems:
        raise CreditFileInvalid(problems)
    out: list[tuple[Origin, dict[str, str]]] = []
    number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            loaded.issues.append(Issue(path.name, number, "", f"cannot be read as CSV: {exc}"))
            continue
        number += 1
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) != len(header):
            loaded.issues.append(Issue(path.name, number, "",
                                       f"has {len(values)} fields where the header has {len(header)}"))
            continue
        out.append((Origin(path.name, number), {k: v for k, v in zip(keys, values, strict=True) if k is not None}))
    return out


def part_path(path: Path, kind: str) -> Path:
    """companies.csv -> companies.licences.csv (and .penalties.csv, .lists.csv)."""
    return path.with_name(f"{path.stem}.{kind}{path.suffix}")


def _load_csv(path: Path, encoding: str | None) -> LoadedFile:
    from .records import normalize_code

    loaded = LoadedFile(rows=[])
    for origin, values in _read_csv(path, _COMPANY_COLUMNS, ("code", "name"), encoding, loaded):
        tax = {k[4:]: values.pop(k) for k in ("tax_grade", "tax_year", "tax_source") if k in values}
        data: dict[str, Any] = dict(values)
        if tax:
            data["tax"] = tax
        loaded.rows.append(SourceRow(origin, data, {kind: [] for kind in PARTS}))
    by_code: dict[str, SourceRow] = {}
    for row in loaded.rows:
        by_code.setdefault(normalize_code(row.data.get("code")), row)
    for kind in PARTS:
        sub = part_path(path, kind)
        if not sub.exists():
            loaded.parts_found[kind] = None
            continue
        loaded.parts_found[kind] = sub.name
        required = ("code", "list") if kind == "lists" else ("code",)
        for origin, values in _read_csv(sub, _PART_COLUMNS[kind], required, encoding, loaded):
            code = normalize_code(values.pop("code", ""))
            owner = by_code.get(code)
            if owner is None:
                loaded.issues.append(Issue(origin.file, origin.row, "code",
                                           f"no company with this code in {path.name}", code))
                continue
            owner.data.setdefault(kind, []).append(values)
            owner.parts[kind].append(origin)
    return loaded


def _json_row(origin: Origin, item: Any, loaded: LoadedFile) -> None:
    if not isinstance(item, dict):
        loaded.issues.append(Issue(origin.file, origin.row, "", "not a JSON object"))
        return
    loaded.ignored.update(f"{origin.file}:{k}" for k in item.keys() - _JSON_COMPANY_KEYS)
    for kind in PARTS:
        for sub in item.get(kind) or ():
            if isinstance(sub, dict):
                loaded.ignored.update(f"{origin.file}:{kind}.{k}" for k in sub.keys() - _JSON_PART_KEYS[kind])
    loaded.rows.append(SourceRow(origin, item))


def _load_json(path: Path, encoding: str | None) -> LoadedFile:
    text, used = decode(path.read_bytes(), encoding)
    loaded = LoadedFile(rows=[], encodings={path.name: used}, lossy=REPLACEMENT in text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CreditFileInvalid([f"{path.name}: not JSON: {exc}"]) from None
    items = doc.get("companies") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise CreditFileInvalid([f"{path.name}: expected an array of companies or {{\"companies\": [...]}}"])
    if isinstance(doc, dict) and isinstance(doc.get("source"), str):
        loaded.default_source = doc["source"]
    for i, item in enumerate(items, start=1):
        _json_row(Origin(path.name, i), item, loaded)
    return loaded


def _load_jsonl(path: Path, encoding: str | None) -> LoadedFile:
    text, used = decode(path.read_bytes(), encoding)
    loaded = LoadedFile(rows=[], encodings={path.name: used}, lossy=REPLACEMENT in text)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            loaded.issues.append(Issue(path.name, number, "", f"not JSON: {exc.msg}"))
            continue
        _json_row(Origin(path.name, number), item, loaded)
    return loaded


def load_file(path: Path, *, encoding: str | None = None) -> LoadedFile:
    """Read an export file by its suffix: .csv, .json or .jsonl."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _load_csv(path, encoding)
    if suffix == ".json":
        return _load_json(path, encoding)
    if suffix in (".jsonl", ".ndjson"):
        return _load_jsonl(path, encoding)
    raise CreditFileInvalid([f"{path.name}: unknown kind of file (use .csv, .json or .jsonl)"])


def undecodable_field(data: Any, path: str = "") -> str | None:
    """The first field of ``data`` holding a byte that could not be decoded, or None."""
    if isinstance(data, str):
        return (path or "row") if REPLACEMENT in data else None
    if isinstance(data, dict):
        for key, value in data.items():
            found = undecodable_field(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = undecodable_field(value, f"{path}[{i}]")
            if found:
                return found
    return None
