"""The ``hallq`` command. Subcommands load lazily so that ``hallq serve`` never imports Kivy
and ``hallq kiosk`` never imports the database layer."""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "serve": "hallq.server.cli:serve",
    "demo": "hallq.server.cli:demo",
    "db": "hallq.server.cli:db",
    "writer": "hallq.server.cli:writer",
    "catalog": "hallq.server.cli:catalog",
    "user": "hallq.server.cli:user",
    "device": "hallq.server.cli:device",
    "credit": "hallq.server.credit_cli:credit",
    "printer-sim": "hallq.hardware.cli:printer_sim",
    "device-sim": "hallq.hardware.cli:device_sim",
    "samples": "hallq.hardware.cli:samples",
    "voice": "hallq.hardware.cli:voice",
    "kiosk": "hallq.kiosk.cli:kiosk",
    "counter": "hallq.counter.cli:counter",
    "bench": "hallq.server.bench.cli:bench",
    "simulate": "hallq.server.simulate.cli:simulate",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("hallq"):
                return None  # a part of hallq that this installation does not have yet
            raise
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="hallq")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--log-json", is_flag=True, help="Structured (JSON) log lines.")
def main(log_level: str, log_json: bool) -> None:
    """hallq: kiosks, counters and the hall server of a government service hall."""
    from hallq.logs import configure_logging

    configure_logging(log_level.upper(), json_lines=log_json)


def run(argv: list[str] | None = None) -> Any:
    return main.main(args=argv, prog_name="hallq", standalone_mode=False)
