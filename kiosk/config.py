"""The kiosk's settings: one typed object, filled from the command line (and var/demo.json
for ``--demo``). No Kivy here: the CLI resolves settings before any window opens."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hallq.hardware.printer import DEFAULT_FONT, PrinterProfile

DEMO_KIOSK = "demo-kiosk"


class ConfigError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class KioskSettings:
    """Everything a kiosk needs to know at start. Each field is documented here (a test
    checks that every field has a line in FIELDS_HELP)."""

    url: str | None = None
    token: str | None = None
    printer: str | None = None
    printer_profile: PrinterProfile = field(default_factory=PrinterProfile)
    fullscreen: bool = True
    locked: bool = True
    portrait: bool = False
    discovery: bool = True
    hall: str | None = None
    language: str = "zh"
    idle_timeout_s: float = 60.0
    idle_warning_s: float = 15.0
    elder_idle_timeout_s: float = 120.0
    health_interval_s: float = 5.0
    printer_interval_s: float = 10.0
    report_interval_s: float = 60.0
    cache_dir: Path = Path("var/kiosk")
    screenshot_dir: Path | None = None
    control_port: int | None = None
    font_path: str = DEFAULT_FONT
    prefetch_guides: bool = True
    id_card_reader: str | None = None
    read_aloud: bool = True
    read_aloud_dir: Path | None = None


FIELDS_HELP: dict[str, str] = {
    "url": "hall server URL used when zeroconf finds none (and tried after the ones it finds)",
    "token": "the kiosk's device token (hallq device add --kind kiosk)",
    "printer": "receipt printer URI: tcp://HOST:9100, serial:///dev/ttyUSB0, usb://VID:PID, file://, cups://",
    "printer_profile": "printer model: 80mm or 58mm, optionally with key=value changes (mode=raster, "
                       "encoding=gbk), or a JSON file of PrinterProfile fields",
    "fullscreen": "fill the screen without borders (a kiosk) or run in a window (development, tests)",
    "locked": "refuse to close (window close, Escape); on by default in full screen",
    "portrait": "a portrait screen: the window is 1080x1920 scaled to fit when windowed",
    "discovery": "look for the hall server with zeroconf before using the URL",
    "hall": "only use a server of this hall code (zeroconf)",
    "language": "the language each visitor starts in: zh or en",
    "idle_timeout_s": "seconds without a touch before the kiosk goes back to the start and forgets input",
    "idle_warning_s": "seconds before that timeout when the visitor is warned",
    "elder_idle_timeout_s": "the idle timeout in large-text (elder) mode",
    "health_interval_s": "seconds between checks of the hall server while nothing else is asked",
    "printer_interval_s": "seconds between printer status checks",
    "report_interval_s": "seconds between printer status reports when nothing changes",
    "cache_dir": "where the copy of the catalog and guides is kept for offline browsing",
    "screenshot_dir": "where screenshots asked for by the test driver are written",
    "control_port": "a JSON control port on 127.0.0.1 for UI tests (off unless given)",
    "font_path": "a font with Simplified Chinese glyphs (fonts-wqy-microhei)",
    "prefetch_guides": "fetch every guide after start so guides open while the server is away",
    "read_aloud": "read screens and tickets aloud on request (espeak-ng through the sound card)",
    "read_aloud_dir": "write what is read aloud to numbered WAV files here instead of playing it (tests)",
    "id_card_reader": "resident ID card reader port: /dev/ttyUSB0, a pty path or socket://HOST:PORT (115200 baud)",
}


def parse_profile(spec: str | None) -> PrinterProfile:
    """``80mm``, ``58mm,mode=raster``, ``80mm,encoding=gbk,cut=full`` or a JSON file path."""
    if not spec:
        return PrinterProfile.mm80()
    if spec.endswith(".json") or os.sep in spec:
        try:
            data = json.loads(Path(spec).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read printer profile {spec}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"printer profile {spec} must hold a JSON object")
    else:
        preset, *changes = [p.strip() for p in spec.split(",") if p.strip()]
        data = {"preset": preset}
        known = {f.name: f for f in fields(PrinterProfile)}
        for change in changes:
            key, sep, value = change.partition("=")
            if not sep or key not in known:
                raise ConfigError(f"unknown printer profile setting {change!r}")
            data[key] = _typed(value, known[key].type)
    try:
        return PrinterProfile.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"printer profile {spec!r}: {exc}") from exc


def _typed(value: str, annotation: Any) -> Any:
    kind = str(annotation)
    if kind in ("int", "<class 'int'>"):
        return int(value)
    if kind in ("float", "<class 'float'>"):
        return float(value)
    return value


def read_token_file(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc}") from exc
    if not token:
        raise ConfigError(f"the token file {path} is empty")
    return token


def demo_file() -> Path:
    return Path(os.environ.get("HALLQ_DATA_DIR", "var")) / "demo.json"


def read_demo(path: Path | None = None) -> dict[str, str | None]:
    """URL, kiosk token and printer of the hall ``hallq demo`` is running."""
    path = path or demo_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path} (start `hallq demo` first): {exc}") from exc
    token = (data.get("devices") or {}).get(DEMO_KIOSK)
    if not token:
        raise ConfigError(f"{path} has no token for {DEMO_KIOSK}")
    return {"url": data.get("url"), "token": token, "printer": data.get("printer")}


def settings_from_options(*, url: str | None = None, token: str | None = None, token_file: Path | None = None,
                          printer: str | None = None, printer_profile: str | None = None, demo: bool = False,
                          demo_path: Path | None = None, fullscreen: bool = True, lock: bool | None = None,
                          discovery: bool | None = None, **rest: Any) -> KioskSettings:
    """Settings from the command line; ``--demo`` fills in what was not given from the file
    ``hallq demo`` wrote. Raises ConfigError when the kiosk could not work."""
    if demo:
        found = read_demo(demo_path)
        url = url or found["url"]
        token = token or (None if token_file else found["token"])
        printer = printer or found["printer"]
    if token_file is not None:
        if token:
            raise ConfigError("give --token or --token-file, not both")
        token = read_token_file(token_file)
    if not token:
        raise ConfigError("no device token: use --token, --token-file or --demo "
                          "(create one with `hallq device add --kind kiosk`)")
    known = {f.name for f in fields(KioskSettings)}
    unknown = set(rest) - known
    if unknown:
        raise ConfigError(f"unknown kiosk settings: {sorted(unknown)}")
    return KioskSettings(url=url, token=token, printer=printer, printer_profile=parse_profile(printer_profile),
                         fullscreen=fullscreen, locked=fullscreen if lock is None else lock,
                         # The demo's server is known; zeroconf would only find it again, later.
                         discovery=(not demo) if discovery is None else discovery,
                         **{k: v for k, v in rest.items() if v is not None})
