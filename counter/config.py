"""What one counter is configured with (command-line options, or a test)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .model.devices import MAX_ADDRESS, DeviceUrls


@dataclass(frozen=True)
class CounterConfig:
    url: str | None = None               # the hall server; zeroconf first unless discovery is off
    discovery: bool = True
    window: int | None = None            # the window this desk is, if fixed
    keypad: str | None = None            # pyserial URLs of the counter devices
    display: str | None = None
    display_address: int | None = None   # the window display's address on its bus
    display_framing: str = "hallq"
    evaluator: str | None = None
    device_token: str | None = None      # a counter device token (hqd_...) for this window
    language: str = "zh"
    screen_rating_timeout_s: float = 30.0
    evaluator_timeout_s: float = 60.0
    undo_s: float = 8.0                  # how long a no-show or transfer can be undone
    windowed: bool = False
    screenshot_dir: Path | None = None
    test_driver: Path | None = None      # port file of the test-driver channel (tests only)

    def device_urls(self, window: int) -> DeviceUrls:
        """Window N's keypad and evaluator answer at address N (one address per window);
        a window numbered above the bus's 247 addresses needs --display-address."""
        address = window if 1 <= window <= MAX_ADDRESS else (self.display_address or 0)
        return DeviceUrls(keypad=self.keypad, display=self.display, evaluator=self.evaluator,
                          address=address, display_address=self.display_address,
                          display_framing=self.display_framing)

    @property
    def has_devices(self) -> bool:
        return bool(self.keypad or self.display or self.evaluator)


def demo_facts(data_dir: Path = Path("var")) -> dict[str, object]:
    """What ``hallq demo`` wrote: the server's URL and the demo devices' tokens."""
    path = data_dir / "demo.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: start `hallq demo` first")
    facts: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return facts
