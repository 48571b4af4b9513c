"""``hallq serve``, ``hallq demo`` and the database, catalog, user and device commands."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .settings import Settings, load_settings

log = logging.getLogger(__name__)
DEMO_CATALOG = Path(__file__).parent / "data" / "demo-hall.yaml"

db_option = click.option("--db", "db_url", envvar="HALLQ_DATABASE_URL", default=None,
                         help="Database URL (sqlite:///path or postgresql+psycopg://...); "
                              "default from the config file or sqlite:///var/hallq.sqlite3.")
config_option = click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             envvar="HALLQ_CONFIG", help="TOML settings file.")


def _now() -> datetime:
    return datetime.now(UTC)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config, **overrides)
    except Exception as exc:   # pydantic's message names the setting
        raise click.ClickException(f"bad settings: {exc}") from None


@contextlib.contextmanager
def _database(url: str) -> Iterator[Any]:
    from .db import Database, upgrade

    upgrade(url)
    db = Database(url)
    try:
        yield db
    finally:
        db.dispose()


def _fail(exc: Exception) -> click.ClickException:
    from .engine import QueueError

    if isinstance(exc, QueueError):
        return click.ClickException(f"{exc.message} [{exc.code}]")
    return click.ClickException(str(exc))


# -- serving --------------------------------------------------------------------------------

def server_options(fn: Any) -> Any:
    for option in reversed([
        config_option, db_option,
        click.option("--host", default=None, help="Listen address (default 0.0.0.0; demo 127.0.0.1)."),
        click.option("--port", type=int, default=None, help="TCP port (default 8600)."),
        click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes."),
        click.option("--no-discovery", is_flag=True, help="Do not advertise the server with zeroconf."),
        click.option("--tls", is_flag=True, default=None, help="HTTPS with a self-signed certificate made on first start."),
        click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None),
        click.option("--tls-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None),
        click.option("--public-url", default=None, help="Base URL in ticket QR codes."),
    ]):
        fn = option(fn)
    return fn


def _resolve(config: Path | None, db_url: str | None, host: str | None, port: int | None, workers: int | None,
             no_discovery: bool, tls: bool | None, tls_cert: Path | None, tls_key: Path | None,
             public_url: str | None, defaults: dict[str, Any] | None = None) -> Settings:
    overrides: dict[str, Any] = {"database_url": db_url, "host": host, "port": port, "workers": workers,
                                 "tls": True if (tls or tls_cert) else None, "tls_cert": tls_cert,
                                 "tls_key": tls_key, "public_url": public_url}
    if no_discovery:
        overrides["discovery"] = False
    for key, value in (defaults or {}).items():
        if overrides.get(key) is None and f"HALLQ_{key.upper()}" not in os.environ:
            overrides[key] = value
    return _settings(config, **overrides)


def run_server(settings: Settings, *, banner: str = "") -> None:
    """Migrate, advertise, and serve until interrupted."""
    import uvicorn

    from .db import Database, upgrade

    upgrade(settings.database_url)
    # Workers are separate processes: hand them the resolved settings through the environment.
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"HALLQ_{name.upper()}"] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    os.environ.pop("HALLQ_CONFIG", None)
    ssl: dict[str, Any] = {}
    fingerprint = None
    if settings.tls:
        from .tls import ensure_self_signed
        from .tls import fingerprint as cert_fingerprint

        if settings.tls_cert and settings.tls_key:
            cert, key = settings.tls_cert, settings.tls_key
        else:
            from .discovery import lan_addresses

            cert, key = ensure_self_signed(settings.data_dir, ["localhost", *lan_addresses(settings.host, [])])
        ssl = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
        fingerprint = cert_fingerprint(cert)
        click.echo(f"TLS certificate fingerprint (SHA-256): {fingerprint}")
    advert = None
    if settings.discovery:
        from sqlalchemy import select

        from .discovery import advertise
        from .models import Hall

        db = Database(settings.database_url)
        with db.read() as s:
            hall = s.scalars(select(Hall).order_by(Hall.id)).first()
        db.dispose()
        try:
            advert = advertise(hall_code=hall.code if hall else "hallq", hall_name=hall.name_zh if hall else "",
                               host=settings.host, port=settings.port, interfaces=settings.discovery_interfaces,
                               tls=settings.tls, fingerprint=fingerprint)
        except OSError as exc:
            log.warning("zeroconf advertising failed (%s); clients need a configured URL", exc)
    if settings.workers > 1:
        metrics_dir = settings.data_dir / "metrics"
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    writer = None
    if settings.workers > 1:
        # One writer for all workers: queue changes never wait on each other's database lock.
        from .writer.process import WriterProcess, socket_path

        path = settings.writer_socket or socket_path(settings)
        writer = WriterProcess(path).start()
        os.environ["HALLQ_WRITER_SOCKET"] = path
    if banner:
        click.echo(banner)
    try:
        # Clients keep connections for 5 s: the server keeps them longer, so a request never
        # meets a connection the server is closing at that very moment.
        options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_level": "warning",
                                   "timeout_keep_alive": 30, **ssl}
        if settings.workers > 1:
            uvicorn.run("hallq.server.app:app_from_environment", factory=True, workers=settings.workers, **options)
        else:
            from .app import create_app

            uvicorn.run(create_app(settings, migrate=False), **options)
    finally:
        if writer is not None:
            writer.stop()
        if advert is not None:
            advert.close()


@click.command(hidden=True)
@click.option("--socket", "path", required=True, help="Unix socket the worker processes connect to.")
def writer(path: str) -> None:
    """The hall's writer process (started by hallq serve --workers N; settings from HALLQ_*)."""
    from .writer.process import serve_writer

    serve_writer(_settings(None), path)


@click.command()
@server_options
def serve(**options: Any) -> None:
    """Run the hall server."""
    settings = _resolve(**options)
    run_server(settings, banner=f"hallq serving on {settings.host}:{settings.port} ({settings.database_url})")


@click.command()
@server_options
@click.option("--printer-sim/--no-printer-sim", default=True, show_default=True,
              help="Start a virtual receipt printer whose receipts land in var/receipts.")
def demo(printer_sim: bool, **options: Any) -> None:
    """Run a demo hall: seed the demo catalog into an empty database, open every window,
    create demo accounts and devices, and serve."""
    settings = _resolve(**options, defaults={"host": "127.0.0.1", "database_url": "sqlite:///var/demo.sqlite3"})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _database(settings.database_url) as db:
        facts = seed_demo(db, settings)
    facts["url"] = f"http{'s' if settings.tls else ''}://{settings.host}:{settings.port}"
    printer = None
    if printer_sim:
        printer = _start_printer_sim(settings, facts)
    (settings.data_dir / "demo.json").write_text(json.dumps(facts, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        "", f"  hallq demo hall: {facts['hall']}", f"  server        {facts['url']}",
        f"  API docs      {facts['url']}/api/docs",
        f"  call display  {facts['url']}/display?token={facts['devices'].get('demo-display', '')}",
        f"  floor manager {facts['url']}/manage    reports {facts['url']}/reports    admin {facts['url']}/admin",
        f"  appointments  {facts['url']}/book",
        "  kiosk         hallq kiosk --demo --windowed      counter  hallq counter --demo --window 20",
        "  sign in       " + ", ".join(f"{u} / {p}" for u, p in facts["accounts"].items()),
        f"  devices       tokens in {settings.data_dir / 'demo.json'}",
    ]
    if printer is not None:
        lines.append(f"  printer       {facts['printer']} -> receipts in {facts['receipts']}")
    try:
        run_server(settings, banner="\n".join(lines) + "\n")
    finally:
        if printer is not None:
            printer.stop()


DEMO_ACCOUNTS = {"admin": ("admin", "hallq-admin"), "manager": ("manager", "hallq-manager"),
                 "clerk": ("clerk", "hallq-clerk")}


def seed_demo(db: Any, settings: Settings) -> dict[str, Any]:
    """Idempotent: the demo catalog when the database is empty, open windows, accounts, devices."""
    from sqlalchemy import select

    from .catalog import CatalogFile, import_catalog, load_catalog_file
    from .models import Device, Hall, Staff, Window
    from .services import accounts, appointments
    from .services import windows as wc
    from .services.actors import SYSTEM

    now = _now()
    with db.write() as s:
        if s.scalars(select(Hall.id)).first() is None:
            import_catalog(s, CatalogFile.parse(load_catalog_file(DEMO_CATALOG)), actor=SYSTEM, now=now)
    from .credit.demo import load_if_empty
    load_if_empty(db, now=now)   # demo companies for the credit query terminal
    with db.write() as s:
        for number in s.scalars(select(Window.number).where(Window.state != "open")).all():
            wc.open_window(s, number, actor=SYSTEM, now=now)
        for username, (role, password) in DEMO_ACCOUNTS.items():
            if s.scalars(select(Staff).where(Staff.username == username)).first() is None:
                accounts.add_staff(s, username, role=role, password=password, actor=SYSTEM, now=now,
                                   display_name={"admin": "管理员", "manager": "值班长", "clerk": "窗口人员"}[username])
        hall = s.scalars(select(Hall)).one()
        appointments.seed_demo_config(s, actor=SYSTEM, now=now)
        tokens_file = settings.data_dir / "demo.json"
        old = json.loads(tokens_file.read_text(encoding="utf-8")) if tokens_file.exists() else {}
        devices = old.get("devices", {})
        known = {d.name for d in s.scalars(select(Device).where(Device.revoked_at.is_(None)))}
        for kind, name, window in (("kiosk", "demo-kiosk", None), ("display", "demo-display", None),
                                   ("counter", "demo-counter", 20)):
            if name not in known or name not in devices:
                _, token = accounts.add_device(s, kind, name, actor=SYSTEM, now=now, window_number=window)
                devices[name] = token
        return {"hall": f"{hall.name_zh} ({hall.name_en})",
                "accounts": {u: p for u, (_, p) in DEMO_ACCOUNTS.items()}, "devices": devices}


def _start_printer_sim(settings: Settings, facts: dict[str, Any]) -> Any:
    try:
        from hallq.hardware.printer.sim import PrinterSimulator  # type: ignore[import-not-found]
    except ImportError:
        return None
    out = settings.data_dir / "receipts"
    sim = PrinterSimulator(host="127.0.0.1", port=0, out_dir=out)
    sim.start()
    facts["printer"] = f"tcp://127.0.0.1:{sim.port}"
    facts["receipts"] = str(out)
    return sim


# -- database and catalog -------------------------------------------------------------------

@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@config_option
@db_option
def db_upgrade(config: Path | None, db_url: str | None) -> None:
    """Apply the migrations (the server also does this on start)."""
    from .db import current_revisions, upgrade

    settings = _settings(config, database_url=db_url)
    upgrade(settings.database_url)
    click.echo(f"database at revision {', '.join(sorted(current_revisions(settings.database_url)))}")


@click.group()
def catalog() -> None:
    """Import, export and check the hall's catalog (departments, queues, services, windows, guides)."""


@catalog.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def catalog_validate(file: Path) -> None:
    """Check a catalog file without touching any database."""
    from .catalog import CatalogFile, CatalogInvalid, load_catalog_file

    try:
        parsed = CatalogFile.parse(load_catalog_file(file))
    except CatalogInvalid as exc:
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        raise click.ClickException(f"{file}: {len(exc.errors)} problem(s)") from None
    click.echo(f"{file}: valid ({len(parsed.departments)} departments, {len(parsed.queues)} queues, "
               f"{len(parsed.services)} services, {len(parsed.windows)} windows)")


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@db_option
def catalog_import(file: Path, config: Path | None, db_url: str | None) -> None:
    """Create or update the catalog from FILE (YAML or JSON); all or nothing."""
    from .catalog import CatalogFile, CatalogInvalid, import_catalog, load_catalog_file
    from .services.actors import SYSTEM

    try:
        parsed = CatalogFile.parse(load_catalog_file(file))
    except CatalogInvalid as exc:
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        raise click.ClickException(f"{file}: {len(exc.errors)} problem(s); nothing was imported") from None
    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database:
        try:
            with database.write() as s:
                report = import_catalog(s, parsed, actor=SYSTEM, now=_now())
        except Exception as exc:
            raise _fail(exc) from None
    click.echo(f"imported {file}: {report.summary()}")


@catalog.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@config_option
@db_option
def catalog_export(file: Path, config: Path | None, db_url: str | None) -> None:
    """Write the catalog to FILE (.yaml or .json)."""
    from .catalog import export_catalog
    from .catalog.io import dump_catalog

    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database:
        try:
            with database.read() as s:
                data = export_catalog(s)
        except Exception as exc:
            raise _fail(exc) from None
    dump_catalog(data, file)
    click.echo(f"exported {len(data['services'])} services to {file}")


# -- accounts and devices -------------------------------------------------------------------

@click.group()
def user() -> None:
    """Staff accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["clerk", "manager", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--display-name", default="")
@click.option("--staff-number", default=None, help="工号; generated when omitted.")
@click.option("--card", default=None, help="Staff card number for card sign-in.")
@config_option
@db_option
def user_add(username: str, role: str, password_stdin: bool, display_name: str, staff_number: str | None,
             card: str | None, config: Path | None, db_url: str | None) -> None:
    """Add a staff account."""
    from .services import accounts
    from .services.actors import SYSTEM

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database:
        try:
            with database.write() as s:
                staff = accounts.add_staff(s, username, role=role, password=password, actor=SYSTEM, now=_now(),
                                           display_name=display_name, staff_number=staff_number, card=card)
                click.echo(f"added {staff.username} ({staff.role}, staff number {staff.staff_number})")
        except Exception as exc:
            raise _fail(exc) from None


@click.group()
def device() -> None:
    """Kiosks, call displays and counter terminals."""


@device.command("add")
@click.option("--kind", type=click.Choice(["kiosk", "display", "counter"]), required=True)
@click.option("--name", default=None, help="A name people recognise; default '<kind>-<n>'.")
@click.option("--window", "window_number", type=int, default=None, help="The window a counter terminal serves.")
@click.option("--zone", default=None, help="The zone a call display shows.")
@config_option
@db_option
def device_add(kind: str, name: str | None, window_number: int | None, zone: str | None, config: Path | None,
               db_url: str | None) -> None:
    """Enrol a device and print its token (shown only once)."""
    from sqlalchemy import func, select

    from .models import Device
    from .services import accounts
    from .services.actors import SYSTEM

    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database:
        try:
            with database.write() as s:
                if name is None:
                    name = f"{kind}-{(s.scalar(select(func.count()).select_from(Device)) or 0) + 1}"
                _, token = accounts.add_device(s, kind, name, actor=SYSTEM, now=_now(), window_number=window_number,
                                               config={"zone": zone} if zone else {})
        except Exception as exc:
            raise _fail(exc) from None
    click.echo(token)


@device.command("list")
@config_option
@db_option
def device_list(config: Path | None, db_url: str | None) -> None:
    from sqlalchemy import select

    from .models import Device

    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database, database.read() as s:
        for d in s.scalars(select(Device).order_by(Device.id)):
            state = "revoked" if d.revoked_at else "active"
            click.echo(f"{d.id:>4}  {d.kind:<8} {state:<8} {d.name}")


@device.command("revoke")
@click.argument("device_id", type=int)
@config_option
@db_option
def device_revoke(device_id: int, config: Path | None, db_url: str | None) -> None:
    from .services import accounts
    from .services.actors import SYSTEM

    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as database:
        try:
            with database.write() as s:
                accounts.revoke_device(s, device_id, actor=SYSTEM, now=_now())
        except Exception as exc:
            raise _fail(exc) from None
    click.echo(f"revoked device {device_id}")
