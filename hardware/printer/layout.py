"""Layouts: what goes on each printed document, in Chinese and English lines."""

from __future__ import annotations

from datetime import datetime

from .blocks import Align, Block, Feed, Qr, Rule, TextLine, text_columns, wrap
from .documents import CreditSummaryPrint, GuideChecklist, TicketPrint

TIME_FORMAT = "%Y-%m-%d %H:%M"


def wait_zh(seconds: int | None) -> str:
    if seconds is None:
        return "暂无法估计"
    if seconds < 60:
        return "不足1分钟"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"约{minutes}分钟"
    hours, rest = divmod(minutes, 60)
    return f"约{hours}小时{rest}分钟" if rest else f"约{hours}小时"


def wait_en(seconds: int | None) -> str:
    if seconds is None:
        return "not known yet"
    if seconds < 60:
        return "under 1 min"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"about {minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} h {rest} min" if rest else f"about {hours} h"


def _lines(text: str, columns: int, *, width: int = 1, height: int = 1, bold: bool = False,
           align: Align = "left", indent: str = "") -> list[Block]:
    if not text:
        return []
    usable = max(columns // width - text_columns(indent), 2)
    wrapped = wrap(text, usable)
    return [TextLine(indent + line if i else line, width, height, bold, align)
            for i, line in enumerate(wrapped)]


def _field(label: str, value: str, columns: int, *, bold: bool = False) -> list[Block]:
    """``label：value`` on one line when it fits, else the value indented below the label
    (a credit code or a time is never broken in the middle when it can be kept whole)."""
    if not value:
        return []
    line = f"{label}：{value}"
    if text_columns(line) <= columns:
        return [TextLine(line, bold=bold)]
    return _lines(f"{label}：", columns, bold=bold) + [
        TextLine("  " + part, bold=bold) for part in wrap(value, columns - 2)]


def _number_magnification(number: str, columns: int) -> int:
    # As large as the paper allows, up to the printer's 4x cap used for numbers.
    return max(1, min(4, columns // max(text_columns(number), 1)))


def ticket_blocks(ticket: TicketPrint, columns: int) -> list[Block]:
    """The queue ticket: hall, the number very large, where and how long, QR, notice."""
    out: list[Block] = []
    out += _lines(ticket.hall_name, columns, height=2, bold=True, align="center")
    out += _lines(ticket.hall_name_en, columns, align="center")
    out += _lines(ticket.queue_name, columns, align="center")
    out.append(Rule())
    out.append(TextLine("您的号码 Your number", align="center"))
    size = _number_magnification(ticket.number, columns)
    out.append(TextLine(ticket.number, width=size, height=size, bold=True, align="center"))
    out += _lines(ticket.priority_label, columns, bold=True, align="center")
    out += _lines(ticket.department, columns, bold=True, align="center")
    out += _lines(ticket.service, columns, align="center")
    out.append(Rule())
    out += _lines(f"前方等待：{ticket.ahead} 人", columns)
    out += _lines(f"预计等待：{wait_zh(ticket.estimated_wait_s)}", columns)
    out += _lines(f"People ahead: {ticket.ahead}", columns)
    out += _lines(f"Estimated wait: {wait_en(ticket.estimated_wait_s)}", columns)
    out += _lines(f"取号时间 Issued {ticket.issued_at.strftime(TIME_FORMAT)}", columns)
    if ticket.status_url:
        out.append(Feed())
        out.append(Qr(ticket.status_url))
        out.append(TextLine("扫码查看排队进度", align="center"))
        out += _lines("Scan to follow the queue", columns, align="center")
    if ticket.notice or ticket.notice_en:
        out.append(Rule())
        out += _lines(ticket.notice, columns)
        out += _lines(ticket.notice_en, columns)
    return out


def guide_checklist_blocks(guide: GuideChecklist, columns: int) -> list[Block]:
    """A service guide's materials checklist, one numbered entry per material."""
    out: list[Block] = []
    out += _lines(guide.hall_name, columns, bold=True, align="center")
    out += _lines("办事材料清单", columns, width=2, height=2, bold=True, align="center")
    out += _lines("Materials checklist", columns, align="center")
    out.append(Rule())
    out += _field("事项 Item", guide.item_name, columns, bold=True)
    out += _field("部门 Department", guide.department, columns)
    out += _field("承诺时限 Time limit", guide.time_limit, columns)
    out += _field("收费 Fee", guide.fee, columns)
    out.append(Rule())
    for i, material in enumerate(guide.materials, 1):
        need = "必需" if material.required else "如有"
        out += _lines(f"{i}. [{need}] {material.name}", columns, indent="   ")
        out += _lines(f"   原件 Originals ×{material.originals}  "
                      f"复印件 Copies ×{material.copies}", columns, indent="   ")
        out += _lines(f"   {material.note}" if material.note else "", columns, indent="   ")
    if not guide.materials:
        out += _lines("无需提交材料 No materials needed", columns)
    out.append(Rule())
    if guide.guide_url:
        out.append(Qr(guide.guide_url))
        out.append(TextLine("扫码查看完整办事指南", align="center"))
        out += _lines("Scan for the full service guide", columns, align="center")
    out += _lines(guide.notice, columns)
    out += _field("打印时间 Printed", guide.printed_at.strftime(TIME_FORMAT), columns)
    return out


def credit_summary_blocks(summary: CreditSummaryPrint, columns: int) -> list[Block]:
    """An enterprise credit summary: registration, counts, lists, tax grade."""
    out: list[Block] = []
    out += _lines(summary.hall_name, columns, bold=True, align="center")
    out += _lines("企业信用信息查询结果", columns, height=2, bold=True, align="center")
    out += _lines("Enterprise credit summary", columns, align="center")
    out.append(Rule())
    out += _field("企业名称", summary.company_name, columns, bold=True)
    out += _field("统一社会信用代码", summary.credit_code, columns)
    out += _field("登记状态 Status", summary.status, columns)
    out += _field("法定代表人", summary.legal_representative, columns)
    out.append(Rule())
    out += _lines(f"行政许可 Licences：{summary.licences} 条", columns)
    out += _lines(f"行政处罚 Penalties：{summary.penalties} 条", columns)
    for membership in summary.lists:
        mark = "是 Yes" if membership.listed else "否 No"
        since = f"（{membership.since.isoformat()}起）" if membership.listed and membership.since \
            else ""
        out += _lines(f"{membership.name}：{mark}{since}", columns, indent="  ")
    out += _field("纳税信用等级 Tax grade", summary.tax_grade or "—", columns)
    out.append(Rule())
    out += _field("查询时间 Queried", summary.queried_at.strftime(TIME_FORMAT), columns)
    out += _lines(summary.notice, columns)
    return out


def format_time(at: datetime) -> str:
    return at.strftime(TIME_FORMAT)
