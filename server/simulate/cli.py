"""``hallq simulate``: a whole day of a hall, driven through the real queue engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The hall's catalog file (default: the demo hall).")
@click.option("--from-db", "db_url", default=None,
              help="Take the hall and its demand from this database: arrivals per hour and queue, "
                   "priorities, service times and no-shows of its last --days days.")
@click.option("--days", type=click.IntRange(1, 365), default=20, show_default=True,
              help="With --from-db: how many business days of history to learn from.")
@click.option("--tickets", type=click.FloatRange(1, 100_000), default=1350, show_default=True,
              help="Tickets per day (default demand; ignored with --from-db).")
@click.option("--scale", type=click.FloatRange(0.01, 100), default=1.0, show_default=True,
              help="Multiply the demand (e.g. 1.3: a day 30% busier).")
@click.option("--sigma", type=click.FloatRange(0.05, 2), default=0.5, show_default=True,
              help="Spread of the lognormal service times (default demand).")
@click.option("--plan", "plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Staffing plan (YAML): 'departments: {amr: 3, ...}' or 'windows: {1: [[\"09:00\", \"12:00\"]], ...}'. "
                   "Default: every window open whenever the hall is.")
@click.option("--optimize", is_flag=True, help="Find the fewest windows per department that keep every queue's p90 "
                                               "wait under its target.")
@click.option("--replications", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Days simulated (seeds seed, seed+1, ...); results are pooled.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write report.md, queue-length.png (and staffing.md with --optimize) here.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the per-queue numbers as JSON.")
def simulate(catalog: Path | None, db_url: str | None, days: int, tickets: float, scale: float, sigma: float,
             plan_file: Path | None, optimize: bool, replications: int, seed: int, out_dir: Path | None,
             json_file: Path | None) -> None:
    """Simulate a hall's day (arrivals over the hours with a morning peak and the lunch break,
    lognormal service times) and report waits, utilisation and missed targets."""
    from dataclasses import asdict

    from .day import simulate_day
    from .model import default_demand, demo_model, model_from_catalog
    from .report import markdown, plot, queue_stats
    from .staffing import markdown as staffing_markdown
    from .staffing import optimize as find_staffing

    notes = []
    if db_url:
        from ..db import Database
        from .history import demand_from_db, model_from_db

        db = Database(db_url)
        try:
            model = model_from_db(db)
            demand = demand_from_db(db, model, days=days)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            db.dispose()
        notes.append(f"hall and demand from the database's last {days} business days "
                     f"({demand.tickets_per_day:.0f} tickets per day)")
    else:
        if catalog is not None:
            from ..catalog import load_catalog_file

            model = model_from_catalog(load_catalog_file(catalog))
        else:
            model = demo_model()
        demand = default_demand(model, tickets=tickets, sigma=sigma)
        notes.append(f"default demand: {tickets:.0f} tickets per day by the queues' daily quotas, "
                     "morning peak 10:00-11:00, 8% elderly and 6% appointment priority, 3% no-shows, "
                     f"lognormal service times (sigma {sigma}) around each queue's default")
    if scale != 1.0:
        demand = demand.scaled(scale)
        notes.append(f"demand scaled by {scale}")
    hours = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in model.hours)
    notes.append(f"hall hours {hours}; windows serve who is still waiting at the end of a span for up to 30 minutes")
    plan = _load_plan(plan_file, model) if plan_file else None
    seeds = list(range(seed, seed + replications))
    result = [simulate_day(model, demand, plan, seed=s) for s in seeds]
    report = markdown(result, title="Simulated day", notes=[*notes, f"seeds {seeds[0]}-{seeds[-1]}"])
    click.echo(report)
    staffing_text = None
    if optimize:
        found = find_staffing(model, demand, seeds=seeds)
        staffing_text = staffing_markdown(found, model, title="Staffing suggestion",
                                          notes=[*notes, f"judged on seeds {seeds[0]}-{seeds[-1]}"])
        click.echo(staffing_text)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.md").write_text(report, encoding="utf-8")
        plot(result[0], out_dir / "queue-length.png", title=f"Queue length over a simulated day (seed {seeds[0]})")
        if staffing_text is not None:
            (out_dir / "staffing.md").write_text(staffing_text, encoding="utf-8")
            plot(found.days[0], out_dir / "queue-length-suggested.png",
                 title=f"Queue length with the suggested {found.windows} windows (seed {seeds[0]})")
        click.echo(f"wrote {out_dir}", err=True)
    if json_file is not None:
        data: dict[str, Any] = {"queues": [asdict(s) for s in queue_stats(result).values()]}
        json_file.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _load_plan(path: Path, model: Any) -> dict[int, tuple[tuple[int, int], ...]]:
    import yaml

    from .day import plan_for_counts
    from .model import hours_from

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "departments" in data:
        unknown = set(data["departments"]) - {w.department for w in model.windows.values()}
        if unknown:
            raise click.ClickException(f"no windows for department(s): {', '.join(sorted(unknown))}")
        return plan_for_counts(model, {str(k): int(v) for k, v in data["departments"].items()})
    if "windows" in data:
        plan = {}
        for number, spans in data["windows"].items():
            if int(number) not in model.windows:
                raise click.ClickException(f"no window {number}")
            plan[int(number)] = hours_from(spans) if spans else model.hours
        return plan
    raise click.ClickException("a plan has 'departments' or 'windows'")
