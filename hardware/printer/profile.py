"""What a receipt printer can do and how hallq should talk to it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

Mode = Literal["native", "raster"]
Encoding = Literal["gb18030", "gbk", "utf-8"]
QrMode = Literal["native", "image"]
Cut = Literal["full", "partial", "none"]

MODES: tuple[str, ...] = ("native", "raster")
ENCODINGS: tuple[str, ...] = ("gb18030", "gbk", "utf-8")
QR_MODES: tuple[str, ...] = ("native", "image")
CUTS: tuple[str, ...] = ("full", "partial", "none")


@dataclass(frozen=True)
class PrinterProfile:
    """One printer model's paper, Chinese text mode, QR and cutter settings.

    ``mode="native"`` sends text as bytes in ``encoding`` with the printer in Chinese
    mode; ``mode="raster"`` draws every line with Pillow and ``font_path`` and sends
    images, for printers without a Chinese font (or with a wrong one).
    """

    name: str = "80mm"
    width_dots: int = 576
    chars_per_line: int = 48
    mode: Mode = "native"
    encoding: Encoding = "gb18030"
    qr: QrMode = "native"
    qr_module: int = 6
    cut: Cut = "partial"
    feed_before_cut: int = 4
    font_path: str = DEFAULT_FONT
    font_index: int = 0
    # Seconds to wait for one status byte; status queries are real-time commands and a
    # healthy printer answers within a few milliseconds.
    status_timeout_s: float = 2.0
    io_timeout_s: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not {self.encoding!r}")
        if self.qr not in QR_MODES:
            raise ValueError(f"qr must be one of {QR_MODES}, not {self.qr!r}")
        if self.cut not in CUTS:
            raise ValueError(f"cut must be one of {CUTS}, not {self.cut!r}")
        if not 128 <= self.width_dots <= 2048 or self.width_dots % 8:
            raise ValueError("width_dots must be a multiple of 8 between 128 and 2048")
        if not 16 <= self.chars_per_line <= 128:
            raise ValueError("chars_per_line must be between 16 and 128")
        if not 1 <= self.qr_module <= 16:
            raise ValueError("qr_module must be between 1 and 16")

    @property
    def column_dots(self) -> int:
        """Width of one half-width column (an ASCII character) in dots."""
        return self.width_dots // self.chars_per_line

    def with_(self, **changes: Any) -> PrinterProfile:
        return replace(self, **changes)

    @classmethod
    def mm80(cls, **changes: Any) -> PrinterProfile:
        """An 80 mm roll: 576 dots, 48 columns of Font A."""
        return cls(**{"name": "80mm", "width_dots": 576, "chars_per_line": 48, **changes})

    @classmethod
    def mm58(cls, **changes: Any) -> PrinterProfile:
        """A 58 mm roll: 384 dots, 32 columns of Font A."""
        return cls(**{"name": "58mm", "width_dots": 384, "chars_per_line": 32,
                      "qr_module": 5, **changes})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrinterProfile:
        """Build from configuration; a ``preset`` key (80mm, 58mm) supplies the defaults."""
        data = dict(data)
        preset = data.pop("preset", None)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown printer profile keys: {sorted(unknown)}")
        if preset == "58mm":
            return cls.mm58(**data)
        if preset in (None, "80mm"):
            return cls.mm80(**data)
        raise ValueError(f"unknown preset {preset!r}")
