"""Raw records as the platform sends them, personal data included."""

from __future__ import annotations

from typing import Any


def records() -> list[dict[str, Any]]:
    return [
        {"code": "91110000600037341L", "name": "湘江市华瑞建材贸易有限公司", "legal_representative": "王伟",
         "legal_representative_id": "430105198806121231", "established": "2015-03-02", "status": "存续",
         "penalties": [{"number": "湘市监罚〔2024〕1号", "kind": "罚款", "decided_on": "2024-05-01",
                        "facts": "经查，当事人法定代表人王伟（身份证号430105198806121231，电话13812345678）无证经营。"}],
         "lists": [{"list": "经营异常名录", "included_on": "2025-01-01", "reason": "无法联系"}],
         "tax": {"grade": "A", "year": 2025}},
        {"code": "91350200MA2YJ1XR9G", "name": "湘江市恒通物流有限公司", "legal_representative": "李娜",
         "status": "在业", "licences": [{"name": "道路运输经营许可证", "decided_on": "2023-01-01"}]},
        {"code": "913502000728319549", "name": "湘江德润华瑞食品有限公司", "legal_representative": "赵敏",
         "status": "存续"},
    ]
