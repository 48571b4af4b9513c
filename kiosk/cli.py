"""``hallq kiosk``: the self-service kiosk. Settings are resolved and the font is checked
before Kivy is imported, so a mistake is reported plainly instead of as a blank window."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from hallq.hardware.printer import DEFAULT_FONT

from .config import ConfigError, settings_from_options

log = logging.getLogger(__name__)


@click.command()
@click.option("--url", help="Hall server URL, used when zeroconf finds none (e.g. http://10.0.0.5:8600).")
@click.option("--token", help="The kiosk's device token (hallq device add --kind kiosk).")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file holding the device token (keeps it out of the process list).")
@click.option("--printer", help="Receipt printer URI, e.g. tcp://127.0.0.1:9100 or serial:///dev/ttyUSB0.")
@click.option("--printer-profile", default="80mm", show_default=True,
              help="80mm or 58mm, with changes (58mm,mode=raster), or a JSON file of profile fields.")
@click.option("--id-card-reader", metavar="URL",
              help="Resident ID card reader port: /dev/ttyUSB0, a pty path or socket://HOST:PORT.")
@click.option("--read-aloud/--no-read-aloud", default=True, show_default=True,
              help="Offer reading screens and tickets aloud (espeak-ng).")
@click.option("--read-aloud-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write what is read aloud to WAV files here instead of playing it (tests).")
@click.option("--fullscreen/--windowed", default=True, show_default=True, help="Full screen (a kiosk) or a window.")
@click.option("--lock/--no-lock", default=None, help="Refuse to close from the screen (default: when full screen).")
@click.option("--portrait", is_flag=True, help="A portrait screen (the window is portrait when windowed).")
@click.option("--demo", is_flag=True, help="Use the URL, token and printer of the running `hallq demo` "
                                           "(var/demo.json).")
@click.option("--discovery/--no-discovery", default=None,
              help="Look for the hall server with zeroconf before using --url (default: yes, except with --demo).")
@click.option("--hall", help="Only use a server of this hall code (zeroconf).")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="The language each visitor starts in.")
@click.option("--idle-timeout", "idle_timeout_s", type=click.FloatRange(5, 3600), default=60.0, show_default=True,
              help="Seconds without a touch before going back to the start.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/kiosk"),
              show_default=True, help="Where the copy of the catalog and guides is kept.")
@click.option("--font", "font_path", default=DEFAULT_FONT, show_default=True,
              help="A font with Simplified Chinese glyphs.")
@click.option("--screenshot-dir", type=click.Path(file_okay=False, path_type=Path),
              help="For tests: where the control channel writes screenshots.")
@click.option("--control-port", type=click.IntRange(0, 65535),
              help="For tests: open a JSON control channel on 127.0.0.1:PORT (0: any free port).")
@click.option("--health-interval", "health_interval_s", type=click.FloatRange(0.2, 600), default=5.0,
              show_default=True, help="Seconds between checks of the hall server.")
@click.option("--printer-interval", "printer_interval_s", type=click.FloatRange(0.2, 600), default=10.0,
              show_default=True, help="Seconds between printer status checks.")
def kiosk(**options: Any) -> None:
    """Run the self-service kiosk: take a number, appointment check-in, service guides,
    credit lookup."""
    try:
        settings = settings_from_options(**options)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    from .ui import boot

    try:
        boot.check_font(settings.font_path)
    except boot.FontMissing as exc:
        raise click.ClickException(str(exc)) from exc
    logging.getLogger("httpx").setLevel(logging.WARNING)   # one line per request drowns the log
    boot.configure(settings)
    boot.register_font(settings.font_path)

    from hallq.hardware.printer import open_printer

    from .model import Kiosk
    from .ui.app import run_app

    printer = None
    if settings.printer:
        try:
            printer = open_printer(settings.printer, settings.printer_profile)
        except Exception as exc:   # a bad URI: say so, like any other setting
            raise click.ClickException(f"printer {settings.printer}: {exc}") from exc
    reader = None
    if settings.id_card_reader:
        from hallq.hardware.idcard import IdCardReader

        reader = IdCardReader(settings.id_card_reader)   # opened at the first read: may be plugged in later
    voice = None
    if settings.read_aloud:
        from hallq.hardware.errors import VoiceError
        from hallq.hardware.readaloud import EspeakReader

        try:
            voice = EspeakReader(out_dir=settings.read_aloud_dir)
        except VoiceError as exc:   # the kiosk works without a voice; the button says so
            log.warning("no read-aloud: %s", exc.message)
    log.info("kiosk starting: server %s, printer %s", settings.url or "(zeroconf)", settings.printer or "none")
    run_app(settings, Kiosk(settings, printer=printer, id_reader=reader, reader=voice))
