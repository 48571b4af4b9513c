"""``hallq kiosk``: settings from the command line and var/demo.json, the printer profile,
plain errors before any window opens, and no Kivy in the view-model layer."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner
from hallq.kiosk.config import (
    FIELDS_HELP,
    ConfigError,
    KioskSettings,
    parse_profile,
    settings_from_options,
)

from hallq.cli import main


@pytest.fixture
def demo_json(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps({"url": "http://127.0.0.1:8600", "printer": "tcp://127.0.0.1:9100",
                                "devices": {"demo-kiosk": "hqd_demo", "demo-display": "hqd_display"}}))
    return path


def test_demo_fills_in_what_was_not_given(demo_json: Path) -> None:
    settings = settings_from_options(demo=True, demo_path=demo_json)
    assert (settings.url, settings.token, settings.printer) == ("http://127.0.0.1:8600", "hqd_demo",
                                                                 "tcp://127.0.0.1:9100")
    assert settings.fullscreen and settings.locked and not settings.discovery
    assert settings_from_options(token="t").discovery
    mine = settings_from_options(demo=True, demo_path=demo_json, url="http://10.0.0.5:8600",
                                 printer="serial:///dev/ttyUSB0", fullscreen=False)
    assert (mine.url, mine.printer, mine.locked) == ("http://10.0.0.5:8600", "serial:///dev/ttyUSB0", False)
    locked_window = settings_from_options(token="t", fullscreen=False, lock=True)
    assert locked_window.locked and not locked_window.fullscreen


def test_tokens(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("hqd_from_file\n")
    assert settings_from_options(token_file=token_file).token == "hqd_from_file"
    with pytest.raises(ConfigError, match="not both"):
        settings_from_options(token="x", token_file=token_file)
    with pytest.raises(ConfigError, match="device token"):
        settings_from_options(url="http://127.0.0.1:8600")
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(ConfigError, match="empty"):
        settings_from_options(token_file=tmp_path / "empty")
    with pytest.raises(ConfigError, match="hallq demo"):
        settings_from_options(demo=True, demo_path=tmp_path / "missing.json")


def test_printer_profiles(tmp_path: Path) -> None:
    assert parse_profile(None).width_dots == 576
    small = parse_profile("58mm,mode=raster,qr_module=4")
    assert (small.width_dots, small.mode, small.qr_module) == (384, "raster", 4)
    assert parse_profile("80mm,encoding=gbk,cut=full").encoding == "gbk"
    path = tmp_path / "printer.json"
    path.write_text(json.dumps({"preset": "58mm", "feed_before_cut": 2}))
    assert parse_profile(str(path)).feed_before_cut == 2
    for bad in ("80mm,colour=red", "80mm,mode=laser", "a4", "80mm,mode"):
        with pytest.raises(ConfigError):
            parse_profile(bad)


def test_every_setting_is_documented() -> None:
    assert {f.name for f in fields(KioskSettings)} == set(FIELDS_HELP)


def test_plain_errors_before_any_window(tmp_path: Path) -> None:
    runner = CliRunner()
    no_token = runner.invoke(main, ["kiosk", "--url", "http://127.0.0.1:9"])
    assert no_token.exit_code == 1 and "device token" in no_token.output
    no_font = runner.invoke(main, ["kiosk", "--token", "x", "--font", str(tmp_path / "none.ttc")])
    assert no_font.exit_code == 1 and "fonts-wqy-microhei" in no_font.output
    bad_profile = runner.invoke(main, ["kiosk", "--token", "x", "--printer-profile", "80mm,mode=laser"])
    assert bad_profile.exit_code == 1 and "mode" in bad_profile.output
    assert "--printer-profile" in runner.invoke(main, ["kiosk", "--help"]).output


def test_view_models_and_cli_import_no_kivy() -> None:
    code = ("import sys, hallq.kiosk.model, hallq.kiosk.config, hallq.kiosk.cli, hallq.kiosk.model.qr\n"
            "assert not [m for m in sys.modules if m.startswith('kivy')], 'kivy imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
