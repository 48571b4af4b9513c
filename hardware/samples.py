"""Sample printouts and a sample announcement, made through the real paths: documents are
rendered, sent over TCP to the printer simulator and decoded back into PNGs."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

from .printer import (
    CreditSummaryPrint,
    GuideChecklist,
    ListMembership,
    MaterialItem,
    PrinterProfile,
    PrinterSimulator,
    TicketPrint,
    open_printer,
)
from .voice import ClipLibrary, announcement_wav

ISSUED = datetime(2024, 5, 6, 9, 31, 20)

SAMPLE_TICKET = TicketPrint(
    hall_name="市民之家政务服务中心",
    hall_name_en="Citizen Service Hall",
    number="A001",
    department="市场监督管理局",
    service="企业开办（设立登记）",
    queue_name="综合窗口 · 企业开办",
    ahead=3,
    estimated_wait_s=900,
    issued_at=ISSUED,
    status_url="https://hall.example.gov.cn/t/A001-20240506",
    notice="请留意叫号，过号请重新取号。本号当日有效。",
    notice_en="Please listen for your number; a missed number must be taken again.",
)

SAMPLE_GUIDE = GuideChecklist(
    hall_name="市民之家政务服务中心",
    item_name="有限责任公司设立登记",
    department="市场监督管理局",
    materials=(
        MaterialItem("公司登记（备案）申请书", originals=1),
        MaterialItem("公司章程", originals=1),
        MaterialItem("股东主体资格证明", copies=1, note="自然人股东提交身份证复印件"),
        MaterialItem("住所使用证明", originals=1, copies=1),
        MaterialItem("委托书及代理人身份证明", copies=1, required=False),
    ),
    printed_at=ISSUED,
    time_limit="1个工作日",
    fee="不收费",
    guide_url="https://hall.example.gov.cn/guide/QT-0001",
)

SAMPLE_CREDIT = CreditSummaryPrint(
    company_name="示例科技有限公司",
    credit_code="91350200MA2YJ1XR9G",
    status="存续（在营、开业、在册）",
    licences=4,
    penalties=1,
    queried_at=ISSUED,
    lists=(
        ListMembership("经营异常名录", False),
        ListMembership("严重违法失信名单", False),
        ListMembership("失信被执行人", False),
        ListMembership("守信激励（红名单）", True, date(2023, 3, 1)),
    ),
    tax_grade="A",
    legal_representative="张*",
    hall_name="市民之家政务服务中心",
)


def make_samples(out_dir: str | Path, *, clips: ClipLibrary | None = None) -> list[Path]:
    """Write the sample PNGs and WAV into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    jobs = [
        ("ticket-native.png", PrinterProfile.mm80(), "ticket"),
        ("ticket-raster.png", PrinterProfile.mm80(mode="raster", qr="image"), "ticket"),
        ("ticket-58mm-raster.png", PrinterProfile.mm58(mode="raster"), "ticket"),
        ("guide-checklist.png", PrinterProfile.mm80(), "guide"),
        ("credit-summary.png", PrinterProfile.mm80(mode="raster"), "credit"),
    ]
    with tempfile.TemporaryDirectory(prefix="hallq-samples-") as tmp:
        for i, (name, profile, kind) in enumerate(jobs):
            sim_dir = Path(tmp) / str(i)
            with PrinterSimulator(sim_dir, width_dots=profile.width_dots) as sim:
                sim.serve_tcp("127.0.0.1", 0)
                with open_printer(sim.tcp_uri, profile) as printer:
                    if kind == "ticket":
                        printer.print_ticket(SAMPLE_TICKET)
                    elif kind == "guide":
                        printer.print_guide_checklist(SAMPLE_GUIDE)
                    else:
                        printer.print_credit_summary(SAMPLE_CREDIT)
                sim.wait_for_receipts(1, timeout=10)
                shutil.copyfile(sim.png_path(0), out / name)
                written.append(out / name)
    library = clips or ClipLibrary(rate=16000)  # 16 kHz keeps the committed sample small
    wav = out / "announcement-A001-window5.wav"
    wav.write_bytes(announcement_wav("A001", 5, ("zh", "en"), library=library))
    written.append(wav)
    return written
