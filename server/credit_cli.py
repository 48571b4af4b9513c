"""``hallq credit``: import the credit platform's exports, make demo data, run a simulated
platform for trying HttpSource."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import click

from .cli import _database, _now, _settings, config_option, db_option

SHOWN_ISSUES = 50


@click.group()
def credit() -> None:
    """Enterprise credit records for the query terminal."""


@credit.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", default=None,
              help="The file's encoding; by default detected (UTF-8 with or without BOM, or GB18030).")
@click.option("--batch", type=click.IntRange(1, 20000), default=500, show_default=True,
              help="Companies per transaction.")
@click.option("--source", default="", help="Source recorded for rows that name none.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every rejected row and warning to this CSV file.")
@config_option
@db_option
@click.pass_context
def credit_import(ctx: click.Context, file: Path, encoding: str | None, batch: int, source: str,
                  report_file: Path | None, config: Path | None, db_url: str | None) -> None:
    """Load FILE (.csv with sibling FILE.licences.csv, .penalties.csv, .lists.csv; .json; .jsonl),
    an upsert by credit code. Rejected rows are listed and the others load; exit status 2 when
    any row was rejected. See FORMAT.md in the hallq.server.credit package."""
    from .credit import CreditFileInvalid, import_rows, load_file
    from .services.actors import SYSTEM

    try:
        loaded = load_file(file, encoding=encoding)
    except CreditFileInvalid as exc:
        for line in exc.errors:
            click.echo(f"  {line}", err=True)
        raise click.ClickException(f"{file}: cannot be imported; nothing was written") from None
    for name, used in loaded.encodings.items():
        click.echo(f"{name}: {used}")
    for kind, found in loaded.parts_found.items():
        click.echo(f"{kind}: {found or f'no {file.stem}.{kind}{file.suffix}; these companies get no {kind}'}")
    if loaded.ignored:
        click.echo(f"ignored columns: {', '.join(sorted(loaded.ignored))}", err=True)
    settings = _settings(config, database_url=db_url)
    with _database(settings.database_url) as db:
        started = time.perf_counter()
        with click.progressbar(length=len(loaded.rows), label="importing", file=sys.stderr) as bar:
            report = import_rows(db, loaded, actor=SYSTEM, now=_now(), batch_size=batch, progress=bar.update,
                                 default_source=source, target=f"file:{file.name}")
        elapsed = time.perf_counter() - started
    for issue in report.issues[:SHOWN_ISSUES]:
        click.echo(f"  {issue}", err=True)
    if len(report.issues) > SHOWN_ISSUES:
        click.echo(f"  ... and {len(report.issues) - SHOWN_ISSUES} more"
                   + (f" (all in {report_file})" if report_file else " (--report FILE lists them all)"), err=True)
    if report_file is not None:
        with report_file.open("w", encoding="utf-8-sig", newline="") as out:
            w = csv.writer(out)
            w.writerow(["file", "row", "code", "field", "reason", "kind"])
            for i in report.issues:
                w.writerow([i.file, i.row, i.code, i.field, i.reason, "warning" if i.warning else "rejected"])
    rate = len(loaded.rows) / elapsed if elapsed > 0 else 0
    click.echo(f"imported {file}: {report.summary()} ({rate:.0f} rows/s)")
    if report.rejected:
        ctx.exit(2)


@credit.command("demo")
@click.option("--count", type=click.IntRange(1, 1_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a file (.json, .jsonl or .csv with sibling files) instead of loading the database.")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of a written CSV (e.g. gb18030).")
@config_option
@db_option
def credit_demo(count: int, seed: int, out: Path | None, encoding: str, config: Path | None,
                db_url: str | None) -> None:
    """Generate COUNT demo companies with valid codes; load them, or write them to --out."""
    from .credit import demo

    records = list(demo.companies(count, seed=seed))
    if out is not None:
        suffix = out.suffix.lower()
        if suffix == ".csv":
            written = demo.write_csv(out, records, encoding=encoding)
        elif suffix == ".jsonl":
            demo.write_jsonl(out, records)
            written = [out]
        elif suffix == ".json":
            demo.write_json(out, records)
            written = [out]
        else:
            raise click.ClickException("--out must end in .json, .jsonl or .csv")
        click.echo(f"wrote {count} companies to {', '.join(str(p) for p in written)}")
        return
    from .credit import import_rows
    from .credit.files import Origin, SourceRow
    from .services.actors import SYSTEM

    settings = _settings(config, database_url=db_url)
    rows = [SourceRow(Origin("demo", i), r) for i, r in enumerate(records, start=1)]
    with _database(settings.database_url) as db, click.progressbar(
            length=len(rows), label="loading", file=sys.stderr) as bar:
        report = import_rows(db, rows, actor=SYSTEM, now=_now(), progress=bar.update, target="demo")
    click.echo(f"demo companies: {report.summary()}")


@credit.command("platform-sim")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8700, show_default=True)
@click.option("--token", default=None, help="Require this bearer token.")
def credit_platform_sim(file: Path, host: str, port: int, token: str | None) -> None:
    """Serve FILE's companies as a simulated city credit platform (for credit_source = "http")."""
    from .credit import CreditFileInvalid, load_file
    from .credit.platform import PlatformSimulator

    try:
        loaded = load_file(file)
    except CreditFileInvalid as exc:
        raise click.ClickException("; ".join(exc.errors)) from None
    sim = PlatformSimulator([r.data for r in loaded.rows], host=host, port=port, token=token).start()
    click.echo(f"simulated credit platform with {len(sim.records)} companies at {sim.url}")
    try:
        sim.thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
