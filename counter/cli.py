"""``hallq counter``: the clerk's desk app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from .config import CounterConfig, demo_facts

# `hallq demo` registers its counter device at this window (server/cli.py seed_demo).
DEMO_COUNTER_WINDOW = 20


@click.command()
@click.option("--url", help="The hall server's URL, used when zeroconf finds none on the LAN.")
@click.option("--discovery/--no-discovery", default=True, show_default=True,
              help="Look for the hall server on the LAN with zeroconf first.")
@click.option("--window", type=click.IntRange(1, 9999), help="This desk's window number (else chosen at sign-in).")
@click.option("--keypad", metavar="URL", help="Caller keypad: /dev/ttyUSB0, a pty path, socket://host:port, loop://")
@click.option("--display", metavar="URL", help="LED window display bus (RS-485 adapter, pty, socket://...).")
@click.option("--display-address", type=click.IntRange(1, 247), help="The window display's bus address "
              "[default: the window number].")
@click.option("--display-framing", type=click.Choice(["hallq", "legacy"]), default="hallq", show_default=True)
@click.option("--evaluator", metavar="URL", help="Evaluator (评价器) port.")
@click.option("--device-token", envvar="HALLQ_COUNTER_TOKEN", help="This window's counter device token "
              "(hqd_...), which records ratings even after the clerk signs out.")
@click.option("--demo", is_flag=True, help="Use the server and tokens that `hallq demo` wrote to var/demo.json.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="HALLQ_DATA_DIR", default=Path("var"),
              show_default=True, help="Where `hallq demo` wrote demo.json.")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--rating-timeout", type=click.FloatRange(5, 600), default=30.0, show_default=True,
              help="Seconds the on-screen rating panel waits for the visitor.")
@click.option("--undo-seconds", type=click.FloatRange(2, 60), default=8.0, show_default=True,
              help="How long a no-show or a transfer can still be undone.")
@click.option("--windowed", is_flag=True, help="A 1280x800 window instead of full screen.")
@click.option("--screenshot-dir", type=click.Path(path_type=Path), help="Where F12 saves screenshots.")
@click.option("--test-driver", type=click.Path(path_type=Path), hidden=True,
              help="Open the test-driver channel and write its port to this file (tests only).")
def counter(url: str | None, discovery: bool, window: int | None, keypad: str | None, display: str | None,
            display_address: int | None, display_framing: str, evaluator: str | None, device_token: str | None,
            demo: bool, data_dir: Path, language: str, rating_timeout: float, undo_seconds: float, windowed: bool,
            screenshot_dir: Path | None, test_driver: Path | None) -> None:
    """The clerk's desk: sign in, call, serve, transfer; keypad, window display, evaluator."""
    if demo:
        try:
            facts: dict[str, Any] = demo_facts(data_dir)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc
        url, discovery = str(facts["url"]), False
        if device_token is None and window == DEMO_COUNTER_WINDOW:
            device_token = (facts.get("devices") or {}).get("demo-counter")
    if not discovery and not url:
        raise click.UsageError("--no-discovery needs --url (or use --demo)")
    config = CounterConfig(
        url=url, discovery=discovery, window=window, keypad=keypad, display=display,
        display_address=display_address, display_framing=display_framing, evaluator=evaluator,
        device_token=device_token, language=language, screen_rating_timeout_s=rating_timeout,
        undo_s=undo_seconds, windowed=windowed, screenshot_dir=screenshot_dir, test_driver=test_driver)
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must not read hallq's options
    from .ui.app import run

    run(config)
