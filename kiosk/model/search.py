"""Finding a department or a service item the way visitors ask for it: Chinese text, full
pinyin typed without spaces (shichang), pinyin initials (scjd), English, or a common name for
the matter that is not the item's official one (营业执照, 社保, 驾照, 户口).

Pure and offline: it runs over the catalog the kiosk holds, so it answers the same whether
or not the server is reachable.
"""

from __future__ import annotations

from functools import cache
from typing import Any

# Common names -> words that occur in the official names of the departments and items meant.
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "营业执照": ("企业设立登记", "个体工商户", "营业执照", "市场监督管理"),
    "开公司": ("企业设立登记", "市场监督管理"),
    "办执照": ("企业设立登记", "个体工商户", "营业执照"),
    "身份证": ("居民身份证", "公安局"),
    "户口": ("户籍", "户口", "公安局"),
    "驾照": ("驾驶证", "交通警察"),
    "驾驶证": ("驾驶证", "交通警察"),
    "车牌": ("机动车", "交通警察"),
    "社保": ("社会保险", "人力资源和社会保障"),
    "养老金": ("养老保险", "人力资源和社会保障"),
    "退休": ("退休", "养老保险", "人力资源和社会保障"),
    "医保": ("医疗保障", "医疗保险"),
    "公积金": ("住房公积金",),
    "房产证": ("不动产",),
    "过户": ("不动产", "转移登记"),
    "发票": ("发票", "税务"),
    "报税": ("申报", "税务"),
    "交税": ("申报", "税务"),
    "结婚": ("婚姻登记", "民政"),
    "离婚": ("婚姻登记", "民政"),
    "低保": ("最低生活保障", "民政"),
    "残疾证": ("残疾人",),
    "老年证": ("老年", "民政"),
    "水费": ("供水",),
    "电费": ("供电",),
    "燃气": ("燃气",),
    "公证": ("公证",),
    "律师": ("法律援助", "司法"),
    "开店": ("个体工商户", "食品经营许可"),
    "饭店": ("食品经营许可",),
}


def squash(text: str) -> str:
    """Lower case without spaces or apostrophes: "Shi Chang" and "shi'chang" -> "shichang"."""
    return "".join(ch for ch in text.lower() if not ch.isspace() and ch not in "'’-·")


@cache
def _spelled(word: str) -> tuple[str]:
    """A common name's full pinyin (pypinyin, loaded on first use)."""
    from pypinyin import lazy_pinyin

    return ("".join(lazy_pinyin(word)).lower(),)


def common_targets(query: str) -> tuple[str, ...]:
    """The official words a common name (typed in Chinese, pinyin or initials) stands for."""
    q = squash(query)
    if not q:
        return ()
    out: list[str] = []
    for name, words in COMMON_NAMES.items():
        if q.isascii():
            # Full pinyin only: initials as short as "yyzz" would widen an ordinary initials
            # search past what the hall server finds for the same letters.
            hit = len(q) >= 4 and _spelled(name)[0].startswith(q)
        else:
            hit = q in name or name in q
        if hit:
            out += [w for w in words if w not in out]
    return tuple(out)


def matches(item: dict[str, Any], query: str, targets: tuple[str, ...] | None = None) -> bool:
    """Does a department or item (with name_zh, name_en, pinyin, initials) match ``query``?"""
    q = query.strip()
    if not q:
        return True
    low = squash(q)
    name = str(item.get("name_zh") or "")
    if q in name:
        return True
    if low.isascii():
        pinyin = squash(str(item.get("pinyin") or ""))
        if str(item.get("initials") or "").lower().startswith(low) or (len(low) >= 2 and low in pinyin):
            return True
        if len(low) >= 2 and low in squash(str(item.get("name_en") or "")):
            return True
    found = common_targets(q) if targets is None else targets
    return any(word in name for word in found)


def search(items: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Matching items in their order, official-name matches before common-name ones."""
    targets = common_targets(query)
    direct = [i for i in items if matches(i, query, ())]
    seen = {id(i) for i in direct}
    by_common = [i for i in items if id(i) not in seen and targets and matches(i, query, targets)]
    return direct + by_common


def merge(first: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``first`` then the items of ``more`` not in it (by id)."""
    ids = {int(i["id"]) for i in first}
    return first + [i for i in more if int(i["id"]) not in ids]
