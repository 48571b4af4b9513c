"""``hallq bench``: kiosks, windows and displays against a real server, then an integrity check."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

PRESETS = {
    # A district hall's busiest morning ten times over: "fifty people in the first ten
    # minutes" is 5 a minute; here 30 kiosks issue about 50 a minute, 120 clerks serve for
    # 30 s on average and press "call next" again 5 s after finding nobody, 20 call displays
    # follow. What visitors and clerks would feel of the software's speed.
    "hall": {"kiosks": 30, "windows": 120, "displays": 20, "kiosk_pause": 36.0, "service_time": 30.0,
             "idle_poll": 5.0, "duration": 120},
    # The same devices with no pauses at all: how much the server takes.
    "stress": {"kiosks": 30, "windows": 120, "displays": 20, "kiosk_pause": 0.0, "service_time": 0.0,
               "idle_poll": 0.2, "duration": 30},
}


@click.command()
@click.option("--preset", type=click.Choice(["hall", "stress", "api", "scale"]), default=None,
              help="hall: 30 kiosks, 120 windows, 20 displays at ten times a busy hall's pace; stress: the same flat out; "
                   "api: the bare endpoint, 150 devices booting at once, then 8/64/256 clients issuing, then "
                   "calling, then a call's event at 200 subscribers, then kiosks under a login flood; scale: issue and call in halls of 10, 100 and "
                   "1,000 windows and with 100,000 tickets already stored today.")
@click.option("--url", default=None, help="Target a running server (otherwise --spawn).")
@click.option("--spawn/--no-spawn", default=None, help="Start a server on a fresh database (default without --url).")
@click.option("--db", "db_url", default=None,
              help="Database: with --spawn the server's (SQLite file that must not exist, or PostgreSQL URL: "
                   "a new schema is made in it); with --url, read for the integrity check.")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True, help="Server worker processes (--spawn).")
@click.option("--kiosks", type=click.IntRange(0, 2000), default=None, help="Kiosks issuing tickets.")
@click.option("--windows", type=click.IntRange(0, 2000), default=None, help="Windows calling and finishing.")
@click.option("--displays", type=click.IntRange(0, 2000), default=None, help="Display subscribers on /api/v1/events.")
@click.option("--duration", type=click.FloatRange(0.5, 3600), default=None, help="Seconds of load.")
@click.option("--tickets", type=click.IntRange(1, 10_000_000), default=None, help="Stop after this many tickets instead.")
@click.option("--kiosk-pause", type=click.FloatRange(0), default=None, help="Mean seconds between a kiosk's tickets.")
@click.option("--service-time", type=click.FloatRange(0), default=None, help="Mean seconds a window serves a visitor.")
@click.option("--idle-poll", type=click.FloatRange(0.001), default=None,
              help="Seconds a window waits after 'nobody waiting' before calling again (default 0.05).")
@click.option("--procs", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Load generator processes (so that it is not the bottleneck).")
@click.option("--kiosk-token", multiple=True, help="--url: kiosk device token(s).")
@click.option("--window-token", default=None, help="--url: a manager or admin token (acts at any window).")
@click.option("--display-token", default=None, help="--url: a display device token.")
@click.option("--server-pid", type=int, default=None, help="--url: PID of the server, to watch its memory.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results as JSON.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--keep", is_flag=True, help="--spawn: keep the database and the server's log.")
def bench(preset: str | None, url: str | None, spawn: bool | None, db_url: str | None, workers: int,
          procs: int, json_file: Path | None, seed: int, keep: bool, **opts: Any) -> None:
    """Load a hall server with kiosks, windows and displays over HTTP and WebSocket (127.0.0.1
    only); report throughput, latency per operation, event delivery, errors and memory, then
    check from the database that no ticket was lost, doubled or called twice."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)   # one line per request would be the bottleneck
    from .load import Load
    from .scenario import (
        API_CLIENTS,
        Phase,
        Tally,
        api_phases,
        ceiling,
        ceiling_table,
        check,
        first_ticket_id,
        hot_queues,
        measure,
    )

    spawn = url is None if spawn is None else spawn
    if spawn and url:
        raise click.UsageError("--url and --spawn exclude each other")
    if url and not url.startswith(("http://127.", "http://localhost", "https://127.", "https://localhost")):
        raise click.UsageError("the bench only targets servers on this machine (127.0.0.1)")
    if preset == "scale":
        if url is not None:
            raise click.UsageError("--preset scale starts its own servers (no --url)")
        _scale(db_url, workers=workers, procs=procs, duration_s=float(opts.get("duration") or 5.0), seed=seed,
               json_file=json_file)
        return
    values = {**PRESETS.get(preset or "", {}), **{k: v for k, v in opts.items() if v is not None and v != ()}}
    kiosks = int(values.get("kiosks", 10))
    windows = int(values.get("windows", 10))
    displays = int(values.get("displays", 5))
    duration = values.get("duration")
    tickets = values.get("tickets")
    if preset == "api":
        duration = duration or 10.0
        windows = max(API_CLIENTS)
        kiosks = max(API_CLIENTS)
        displays = 200
    elif tickets is None and duration is None:
        duration = 10.0

    reports = []
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    server = fresh = bare = None
    try:
        if spawn:
            from .spawn import Server, fresh_database, prepare, services_for, target_for

            fresh = fresh_database(db_url, workdir)
            db_url = fresh.url
            click.echo(f"preparing the demo hall in {_safe(db_url)} ...", err=True)
            creds = prepare(db_url, kiosks=kiosks, displays=displays, windows=windows, data_dir=workdir)
            numbers = sorted(creds.windows)
            services = hot_queues(db_url, windows) if preset == "api" else services_for(db_url, numbers)
            server = Server(db_url, workdir, workers=workers).start()
            target = target_for(server.url, creds, services)
            server_pid: int | None = server.pid
            if preset == "api":
                from .spawn import BareServer

                bare = BareServer(workdir / "bare", workers=workers).start()
        else:
            assert url is not None
            target = _remote_target(url, opts, windows)
            server_pid = opts.get("server_pid")
        settings = {"workers": workers if spawn else None, "database": _backend(db_url), "preset": preset}
        since = first_ticket_id(db_url)
        tally = Tally()
        if preset == "api":
            phases = api_phases(target, duration_s=float(duration or 10.0), seed=seed,
                                bare=bare.target() if bare is not None else None)
        else:
            load = Load(kiosks=kiosks, windows=tuple(sorted(target.window_tokens))[:windows], displays=displays,
                        duration_s=float(duration or 10.0) if tickets is None else None, tickets=tickets,
                        kiosk_pause_s=float(values.get("kiosk_pause", 0.0)),
                        service_s=float(values.get("service_time", 0.0)),
                        idle_poll_s=float(values.get("idle_poll", 0.05)), seed=seed)
            phases = [Phase(preset or "custom", load, target)]
        for phase in phases:
            click.echo(f"running: {phase.name} ...", err=True)
            watched = bare.pid if bare is not None and phase.target.url == bare.url else server_pid
            report, samples = measure(phase, procs=procs, server_pid=watched, settings=settings)
            if watched == server_pid:
                tally.add(samples)
            reports.append(report)
            click.echo(report.table())
        compared = ceiling(reports)
        if compared:
            click.echo(ceiling_table(compared))
        integrity = check(db_url, tally, since)
        if integrity:
            reports[-1].integrity = integrity
            verdict = "OK" if integrity["ok"] else "FAILED"
            click.echo(f"integrity {verdict}: " + ", ".join(f"{k} {v}" for k, v in integrity.items()
                                                           if k not in ("ok", "problems")))
            for problem in integrity["problems"]:
                click.echo(f"  - {problem}")
        if json_file is not None:
            json_file.parent.mkdir(parents=True, exist_ok=True)
            json_file.write_text(json.dumps({"runs": [r.as_dict() for r in reports], "ceiling": compared,
                                             "integrity": integrity},
                                            indent=2, ensure_ascii=False), encoding="utf-8")
        if integrity and not integrity["ok"]:
            raise SystemExit(2)
    finally:
        if bare is not None:
            bare.stop()
        if server is not None:
            server.stop()
        if fresh is not None and not keep:
            fresh.drop()
        if keep:
            click.echo(f"kept: {workdir} ({_safe(db_url or '')})", err=True)
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


def _scale(db_url: str | None, *, workers: int, procs: int, duration_s: float, seed: int,
           json_file: Path | None) -> None:
    import shutil

    from ..db import is_sqlite
    from .scale import SHAPES, run_shape, scale_table

    if db_url is not None and is_sqlite(db_url):
        db_url = None   # every shape gets a new SQLite file of its own
    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    settings = {"workers": workers, "database": _backend(db_url) or "sqlite", "preset": "scale"}
    reports = []
    failed = False
    try:
        for shape in SHAPES:
            shape_reports = run_shape(shape, db_url=db_url, workdir=workdir, workers=workers, procs=procs,
                                      duration_s=duration_s, seed=seed, settings=settings,
                                      echo=lambda m: click.echo(m, err=True))
            for report in shape_reports:
                click.echo(report.table())
            integrity = shape_reports[-1].integrity
            verdict = "OK" if integrity.get("ok") else "FAILED"
            click.echo(f"integrity {verdict} ({shape.name}): " + ", ".join(
                f"{k} {v}" for k, v in integrity.items() if k not in ("ok", "problems")))
            failed = failed or not integrity.get("ok")
            reports += shape_reports
        click.echo(scale_table(reports))
        if json_file is not None:
            json_file.parent.mkdir(parents=True, exist_ok=True)
            json_file.write_text(json.dumps({"runs": [r.as_dict() for r in reports]}, indent=2, ensure_ascii=False),
                                 encoding="utf-8")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        raise SystemExit(2)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True) if url else ""


def _backend(url: str | None) -> str | None:
    if not url:
        return None
    from ..db import is_sqlite

    return "sqlite" if is_sqlite(url) else "postgresql"


def _remote_target(url: str, opts: dict[str, Any], windows: int) -> Any:
    """Tokens given on the command line; the windows to drive and the services to issue are
    read from the server (the windows are opened if closed)."""
    import httpx

    from .load import Target

    kiosk_tokens = tuple(opts.get("kiosk_token") or ())
    window_token = opts.get("window_token")
    display_token = opts.get("display_token")
    if not kiosk_tokens or not window_token or not display_token:
        raise click.UsageError("--url needs --kiosk-token, --window-token (manager) and --display-token")
    with httpx.Client(base_url=url.rstrip("/") + "/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {window_token}"}) as http:
        listed = http.get("/windows")
        listed.raise_for_status()
        chosen = sorted(listed.json(), key=lambda w: w["number"])[:windows]
        served = {r["queue_id"] for w in chosen for r in w["queues"]}
        for w in chosen:
            if w["state"] != "open":
                http.post(f"/windows/{w['number']}/open").raise_for_status()
        services = http.get("/services")
        services.raise_for_status()
    ids = tuple(s["id"] for s in services.json() if s.get("queue_id") in served)
    if not ids:
        raise click.ClickException("no service item is served by the chosen windows")
    return Target(url=url, kiosk_tokens=kiosk_tokens,
                  window_tokens={w["number"]: window_token for w in chosen},
                  display_tokens=(display_token,), services=ids)
