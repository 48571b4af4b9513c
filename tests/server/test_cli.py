"""The hallq command as an installer would use it: non-interactive, with clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
import yaml
from click.testing import CliRunner
from hallq.server.cli import DEMO_CATALOG
from hallq.server.db import Database
from hallq.server.models import Department, Device, ServiceItem, Staff, Window
from sqlalchemy import func, select

from hallq.cli import main
from tests.support.live import free_port


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_catalog_import_export_round_trip(db_url, tmp_path):
    result = run("catalog", "import", str(DEMO_CATALOG), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "services: 363 new" in result.output
    out = tmp_path / "exported.yaml"
    assert run("catalog", "export", str(out), "--db", db_url).exit_code == 0
    again = run("catalog", "import", str(out), "--db", db_url)
    assert "nothing changed" in again.output
    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    original = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert [s["code"] for s in exported["services"]] == [s["code"] for s in original["services"]]
    assert [s["guide"] for s in exported["services"]] == [
        {**s["guide"], "materials": [{"name_en": "", "note_zh": "", "note_en": "", "template": False,
                                      "originals": 1, "copies": 0, **m} for m in s["guide"]["materials"]]}
        | {k: s["guide"].get(k, v) for k, v in (("fee_basis_zh", ""), ("online_url", ""), ("phone", ""))}
        for s in original["services"]]


def test_a_broken_catalog_names_the_item_and_imports_nothing(db_url, tmp_path):
    data = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    data["services"][7]["guide"]["promised_days"] = -3
    data["windows"][2]["queues"] = ["no-such-queue"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["catalog", "import", str(bad), "--db", db_url])
    assert result.exit_code != 0
    code = data["services"][7]["code"]
    assert f"services[7] ({code}).guide.promised_days" in result.output
    assert "nothing was imported" in result.output
    db = Database(db_url)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ServiceItem)) == 0
    db.dispose()


def test_user_and_device_commands(db_url):
    assert run("catalog", "import", str(DEMO_CATALOG), "--db", db_url).exit_code == 0
    added = run("user", "add", "wang", "--role", "clerk", "--password-stdin", "--staff-number", "0731",
                "--db", db_url, input="a good long password\n")
    assert added.exit_code == 0 and "staff number 0731" in added.output
    short = CliRunner().invoke(main, ["user", "add", "li", "--role", "clerk", "--password-stdin", "--db", db_url],
                               input="short\n")
    assert short.exit_code != 0 and "invalid_value" in short.output
    token = run("device", "add", "--kind", "kiosk", "--name", "一楼取号机", "--db", db_url).output.strip()
    assert token.startswith("hqd_") and len(token) > 30
    counter = CliRunner().invoke(main, ["device", "add", "--kind", "counter", "--db", db_url])
    assert counter.exit_code != 0 and "belongs to a window" in counter.output
    db = Database(db_url)
    with db.read() as s:
        assert s.scalars(select(Staff.role).where(Staff.username == "wang")).one() == "clerk"
        assert s.scalars(select(Device.name)).all() == ["一楼取号机"]
    db.dispose()


def test_demo_catalog_is_a_whole_hall():
    from hallq.server.catalog import CatalogFile, load_catalog_file

    hall = CatalogFile.parse(load_catalog_file(DEMO_CATALOG))
    assert len(hall.departments) == 41 and len(hall.services) == 363
    assert 110 <= len(hall.windows) <= 130
    prefixes = [q.prefix for q in hall.queues]
    assert len(prefixes) > 26 and len(set(prefixes)) == len(prefixes)
    served = {r.queue for w in hall.windows for r in w.routes()}
    assert served == {q.code for q in hall.queues}
    comprehensive = [w for w in hall.windows if w.comprehensive]
    assert len(comprehensive) >= 5
    dept_of = {q.code: q.department for q in hall.queues}
    assert all(len({dept_of[r.queue] for r in w.routes()}) >= 5 for w in comprehensive)
    assert sum(w.green_channel for w in hall.windows) == 1
    assert all(s.name_en and s.guide.materials for s in hall.services)


@pytest.mark.slow
def test_demo_seeds_and_serves(tmp_path):
    """`hallq demo` on an empty database: the demo hall, every window open, accounts that sign in."""
    port = free_port()
    db_file = tmp_path / "demo.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "hallq", "demo", "--db", f"sqlite:///{db_file}", "--port", str(port),
                             "--no-discovery", "--no-printer-sim"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read().decode())
            time.sleep(0.1)
        login = httpx.post(base + "/auth/login", json={"username": "clerk", "password": "hallq-clerk", "window_number": 20})
        assert login.status_code == 200
        facts = json.loads((tmp_path / "var" / "demo.json").read_text(encoding="utf-8"))
        kiosk = {"Authorization": f"Bearer {facts['devices']['demo-kiosk']}"}
        services = httpx.get(base + "/services", headers=kiosk).json()
        assert len(services) == 363
        issued = httpx.post(base + "/tickets", json={"service_id": services[0]["id"]}, headers=kiosk)
        assert issued.status_code == 201
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    db = Database(f"sqlite:///{db_file}")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 41
        assert s.scalar(select(func.count()).select_from(Window).where(Window.state != "open")) == 0
    db.dispose()
