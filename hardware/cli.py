"""``hallq printer-sim``, ``hallq device-sim``, ``hallq samples`` and ``hallq voice``."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import FrameType

import click

from .errors import HardwareError


def _say(line: str) -> None:
    click.echo(line)
    sys.stdout.flush()


@contextlib.contextmanager
def _until_stopped(extra: dict[signal.Signals, Callable[[], None]] | None = None
                   ) -> Iterator[threading.Event]:
    """Runs the body's services until SIGINT/SIGTERM; ``extra`` maps more signals to actions."""
    stop = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def run(action: Callable[[], None]) -> Callable[[int, FrameType | None], None]:
        return lambda signum, frame: action()

    previous = {sig: signal.signal(sig, on_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig, action in (extra or {}).items():
        previous[sig] = signal.signal(sig, run(action))
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _read_stdin(handler: Callable[[str], str | None]) -> None:
    """Feed stdin lines to ``handler`` on a daemon thread; EOF just ends the reading."""

    def loop() -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            reply = handler(line)
            if reply:
                _say(reply)

    if sys.stdin is not None and not sys.stdin.closed:
        threading.Thread(target=loop, daemon=True, name="stdin").start()


# -- printer-sim -------------------------------------------------------------------------

@click.command("printer-sim")
@click.option("--port", default=9100, show_default=True, type=int,
              help="TCP port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for receipt-NNNN.png and .txt.")
@click.option("--width", default=576, show_default=True, help="Paper width in dots.")
@click.option("--encoding", default="gb18030", show_default=True,
              type=click.Choice(["gb18030", "gbk", "utf-8"]),
              help="What the printer's Chinese mode decodes.")
@click.option("--no-chinese-default", is_flag=True,
              help="Start in single-byte mode until FS & (non-China-market printer).")
@click.option("--pty", "with_pty", is_flag=True, help="Also attach a pty, like a serial printer.")
@click.option("--control-port", type=int, default=None,
              help="Line-command control port on 127.0.0.1 (0: any free port).")
@click.option("--paper", default="ok", type=click.Choice(["ok", "near_end", "out"]))
def printer_sim(port: int, host: str, out_dir: str, width: int, encoding: str,
                no_chinese_default: bool, with_pty: bool, control_port: int | None,
                paper: str) -> None:
    """A virtual ESC/POS receipt printer. Commands on stdin or the control port:
    paper ok|near_end|out, cover open|closed, online, offline, power on|off,
    fail-after N FAULT, status. SIGUSR1 cycles the paper state, SIGUSR2 toggles online."""
    from .control import ControlServer
    from .printer.sim import PrinterSimulator

    sim = PrinterSimulator(out_dir, width_dots=width, encoding=encoding,
                           chinese_mode=not no_chinese_default)
    sim.set_paper(paper)  # type: ignore[arg-type]
    control: ControlServer | None = None
    order = ["ok", "near_end", "out"]

    def cycle_paper() -> None:
        sim.set_paper(order[(order.index(sim.paper) + 1) % 3])  # type: ignore[arg-type]
        _say(f"paper {sim.paper}")

    def toggle_online() -> None:
        sim.set_online(not sim.online)
        _say("online" if sim.online else "offline")

    try:
        bound = sim.serve_tcp(host, port)
        _say(f"printer-sim listening on tcp://{bound[0]}:{bound[1]}")
        if with_pty:
            _say(f"printer-sim serial printer on serial://{sim.serve_pty()}")
        if control_port is not None:
            control = ControlServer(sim.command, "127.0.0.1", control_port)
            _say(f"printer-sim control on {control.address[0]}:{control.address[1]}")
        _say(f"printer-sim writing receipts to {Path(out_dir).resolve()}")
        with _until_stopped({signal.SIGUSR1: cycle_paper, signal.SIGUSR2: toggle_online}) as stop:
            _read_stdin(sim.command)
            while not stop.wait(0.2):
                pass
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    finally:
        if control is not None:
            control.close()
        sim.close()
        _say(f"printer-sim stopped after {len(sim.receipts)} receipts")


# -- device-sim --------------------------------------------------------------------------

@click.command("device-sim")
@click.argument("kind", type=click.Choice(["keypad", "display", "evaluator", "idcard"]))
@click.option("--address", "addresses", multiple=True, type=int,
              help="Device address(es); displays default to every address.")
@click.option("--tcp", "--port", "tcp_port", type=int, default=None,
              help="Listen on this TCP port instead of a pty (drivers use socket://).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--link", "link_path", type=click.Path(dir_okay=False), default=None,
              help="Make a symlink to the pty at this path.")
@click.option("--framing", default="hallq", type=click.Choice(["hallq", "legacy"]),
              help="Display framing.")
def device_sim(kind: str, addresses: tuple[int, ...], tcp_port: int | None, host: str,
               link_path: str | None, framing: str) -> None:
    """A simulated counter device on a pty (its path is printed) or a TCP port.

    keypad: type call, recall, no_show, hold, resume, pause, finish, start,
    transfer [N], number DIGITS (typed then ENTER), call_number DIGITS, garbage.
    evaluator: rate 1-5, status. display: prints every frame; status.
    idcard (a resident ID card reader): place [ID_NUMBER], remove, fault NAME|none, status.
    Append @ADDR to a command to use another address."""
    if kind == "idcard":
        _idcard_sim(link_path)
        return
    from .serial import sim as devices

    simulator: devices.DeviceSimulator
    addrs = list(addresses) or None
    handler: Callable[[str], str | None]
    if kind == "display":
        def show(update: devices.DisplayUpdate) -> None:
            level = f" level={update.level}" if update.level is not None else ""
            _say(f"display {update.address}: {update.action} {update.text}".rstrip() + level)

        simulator = devices.DisplaySimulator(addrs, framing=framing,  # type: ignore[arg-type]
                                             tcp_port=tcp_port, host=host, on_update=show)
        handler = partial(_display_command, simulator)
    elif kind == "keypad":
        simulator = devices.KeypadSimulator(addrs or [1], tcp_port=tcp_port, host=host)
        handler = partial(_keypad_command, simulator)
    else:
        simulator = devices.EvaluatorSimulator(addrs or [1], tcp_port=tcp_port, host=host)
        simulator.on_frame = lambda f: _say(f"evaluator {f.address}: received {f}")
        handler = partial(_evaluator_command, simulator)
    link_made = False
    try:
        if link_path and tcp_port is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link_path)
            os.symlink(simulator.path, link_path)
            link_made = True
        _say(f"device-sim {kind} on {simulator.path}"
             + (f" (link {link_path})" if link_made else ""))
        with _until_stopped() as stop:
            _read_stdin(handler)
            while not stop.wait(0.2):
                pass
    finally:
        simulator.close()
        if link_made and link_path:
            with contextlib.suppress(OSError):
                os.unlink(link_path)


def _idcard_sim(link_path: str | None) -> None:
    from .idcard.sim import FAULTS, IdCardReaderSimulator, sample_card

    sim = IdCardReaderSimulator()

    def command(line: str) -> str | None:
        words = line.split()
        if not words:
            return None
        if words[0] == "place":
            try:
                sim.place(sample_card(words[1]) if len(words) > 1 else None)
            except (ValueError, IndexError):
                return "place: give an 18-character ID number"
            return "card placed"
        if words[0] == "remove":
            sim.remove()
            return "card removed"
        if words[0] == "fault" and len(words) == 2 and words[1] in (*FAULTS, "none"):
            sim.fault = None if words[1] == "none" else words[1]
            return f"fault {words[1]}"
        if words[0] == "status":
            return f"card {'on' if sim.card else 'off'} fault {sim.fault or 'none'} commands {len(sim.commands)}"
        return f"unknown command; try place, remove, fault {'|'.join(FAULTS)}|none, status"

    link_made = False
    try:
        if link_path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link_path)
            os.symlink(sim.path, link_path)
            link_made = True
        _say(f"device-sim idcard on {sim.path}" + (f" (link {link_path})" if link_made else ""))
        with _until_stopped() as stop:
            _read_stdin(command)
            while not stop.wait(0.2):
                pass
    finally:
        sim.close()
        if link_made and link_path:
            with contextlib.suppress(OSError):
                os.unlink(link_path)


def _split_address(line: str) -> tuple[list[str], int | None]:
    words = line.strip().split()
    address = None
    if words and words[-1].startswith("@"):
        address = int(words.pop()[1:])
    return words, address


def _keypad_command(sim: object, line: str) -> str:
    from .serial.framing import ACK
    from .serial.keypad import KeyCode, KeypadAction
    from .serial.sim import KeypadSimulator

    assert isinstance(sim, KeypadSimulator)
    words, address = _split_address(line)
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    if verb == "garbage":
        sim.write_raw(os.urandom(16))
        return "sent 16 bytes of garbage"
    if verb == "number" and args:
        return "acknowledged" if sim.enter_number(args[0], address=address) else "not acknowledged"
    if verb == "keys":  # raw keystrokes: digits, enter, clear
        names = {"enter": KeyCode.ENTER, "clear": KeyCode.CLEAR}
        for key in args:
            if key.isdigit() and len(key) == 1:
                answer = sim.key(KeyCode.DIGIT, key, address=address)
            elif key.lower() in names:
                answer = sim.key(names[key.lower()], address=address)
            else:
                return f"unknown key {key!r}"
            if answer != ACK:
                return f"key {key} not acknowledged"
        return "acknowledged"
    try:
        action = KeypadAction(verb)
    except ValueError:
        return f"unknown key {verb!r}"
    ok = sim.press(action, args[0] if args else None, address=address)
    return "acknowledged" if ok else "not acknowledged"


def _evaluator_command(sim: object, line: str) -> str:
    from .serial.framing import ACK, NAK
    from .serial.sim import EvaluatorSimulator

    assert isinstance(sim, EvaluatorSimulator)
    words, address = _split_address(line)
    if not words:
        return ""
    if words[0] == "status":
        return f"armed: {sim.armed or 'nothing'}"
    if words[0] == "rate" and len(words) == 2 and words[1].isdigit():
        answer = sim.rate(int(words[1]), address=address)
        return {ACK: "rating acknowledged", NAK: "rating refused"}.get(
            answer if answer is not None else -1, "no answer")
    return "commands: rate 1-5, status"


def _display_command(sim: object, line: str) -> str:
    from .serial.sim import DisplaySimulator

    assert isinstance(sim, DisplaySimulator)
    if line.strip() == "status":
        return "; ".join(f"{a}: {t}" for a, t in sorted(sim.texts.items())) or "all blank"
    return "commands: status"


# -- samples -----------------------------------------------------------------------------

@click.command("samples")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def samples(out_dir: str) -> None:
    """Sample tickets (PNG, both Chinese modes, through the printer simulator over TCP)
    and a sample announcement (WAV)."""
    from .samples import make_samples

    try:
        for path in make_samples(out_dir):
            _say(str(path))
    except HardwareError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


# -- voice -------------------------------------------------------------------------------

_cache_option = click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
                             envvar="HALLQ_VOICE_CACHE", default=None,
                             help="Generated clip cache (default ~/.cache/hallq/voice).")
_clips_option = click.option("--clips", "clips_dir", type=click.Path(file_okay=False),
                             envvar="HALLQ_VOICE_CLIPS", default=None,
                             help="The hall's recorded clips, overriding generated ones.")


@click.group("voice")
def voice() -> None:
    """Offline call announcements."""


@voice.command("build-clips")
@_cache_option
@_clips_option
@click.option("--force", is_flag=True, help="Regenerate clips already in the cache.")
def build_clips(cache_dir: str | None, clips_dir: str | None, force: bool) -> None:
    """Generate the clip set with espeak-ng (once; later runs reuse the cache)."""
    from .voice import ClipLibrary

    library = ClipLibrary(cache_dir, clips_dir)
    try:
        built = library.build(force=force)
    except HardwareError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    _say(f"generated {len(built)} clips in {library.cache_dir}")


@voice.command("say")
@click.argument("number")
@click.argument("window")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None)
@click.option("--play", is_flag=True, help="Play through aplay/paplay.")
@click.option("--lang", default="zh,en", show_default=True, help="Languages, in order.")
@_cache_option
@_clips_option
def say(number: str, window: str, out_file: str | None, play: bool, lang: str,
        cache_dir: str | None, clips_dir: str | None) -> None:
    """Announce NUMBER at WINDOW: write a WAV (--out) and/or play it (--play)."""
    from .voice import ClipLibrary, announcement_wav
    from .voice.queue import Announcement
    from .voice.sinks import PlayerSink

    if not out_file and not play:
        raise click.UsageError("give --out FILE and/or --play")
    languages = tuple(x.strip() for x in lang.split(",") if x.strip())
    try:
        wav = announcement_wav(number, window, languages,
                               library=ClipLibrary(cache_dir, clips_dir))
        if out_file:
            Path(out_file).write_bytes(wav)
            _say(out_file)
        if play:
            PlayerSink().play(wav, Announcement(1, number, window, languages))
    except HardwareError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@voice.command("clips")
@_cache_option
@_clips_option
def list_clips(cache_dir: str | None, clips_dir: str | None) -> None:
    """List the clip file names a hall may record, their text and where each comes from."""
    from .voice.clips import CLIPS, SPECIAL, ClipLibrary

    sources = ClipLibrary(cache_dir, clips_dir).sources()
    for name in SPECIAL:
        _say(f"{name}.wav\t-\t{sources[name]}")
    for name, spec in CLIPS.items():
        _say(f"{name}.wav\t{spec.text}\t{sources[name]}")
