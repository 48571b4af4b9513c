"""Broken service guides in a catalog file, JSON or YAML: every problem is named by item and
field, and nothing is imported."""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hallq.server.catalog import CatalogFile, CatalogInvalid, load_catalog_file
from hallq.server.cli import catalog
from hallq.server.models import ServiceItem
from sqlalchemy import func, select

from tests.support.hall import small_catalog

GOOD_GUIDE = {"conditions_zh": ["依法设立"], "conditions_en": ["Lawfully established"],
              "materials": [{"name_zh": "申请书", "originals": 1, "copies": 0, "template": True}],
              "process_zh": ["申请", "受理"], "promised_days": 1, "statutory_days": 3}


def broken_catalog() -> dict:
    data = small_catalog()
    amr1, amr2, tax1, green = data["services"]
    amr1["guide"] = {**GOOD_GUIDE, "promised_days": -1, "fees": "free"}
    amr2["guide"] = {**GOOD_GUIDE, "promised_days": 5, "statutory_days": 3}
    tax1["guide"] = {**GOOD_GUIDE, "materials": [GOOD_GUIDE["materials"][0], {"originals": "two"}]}
    green["guide"] = {**GOOD_GUIDE, "process_en": ["Apply"]}
    return data


# (where, what the message is about): each names the item by position and code, then the field
EXPECTED = {
    ("services[0] (amr-001).guide.promised_days", "greater than or equal to 0"),
    ("services[0] (amr-001).guide.fees", "Extra inputs"),
    ("services[1] (amr-002).guide", "promised_days is longer than statutory_days"),
    ("services[2] (tax-001).guide.materials[1].name_zh", "Field required"),
    ("services[2] (tax-001).guide.materials[1].originals", "integer"),
    ("services[3] (grn-001).guide", "process_en must match process_zh"),
}


def write(path: Path, data: dict) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems(errors: list[str]) -> set[tuple[str, str]]:
    found = set()
    for line in errors:
        where, _, message = line.partition(": ")
        found |= {(w, m) for w, m in EXPECTED if w == where and m in message}
    return found


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_every_broken_guide_field_is_named(tmp_path, suffix):
    path = write(tmp_path / f"hall{suffix}", broken_catalog())
    with pytest.raises(CatalogInvalid) as caught:
        CatalogFile.parse(load_catalog_file(path))
    assert problems(caught.value.errors) == EXPECTED
    assert len(caught.value.errors) == len(EXPECTED)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_the_import_command_lists_them_and_imports_nothing(db, tmp_path, suffix):
    path = write(tmp_path / f"hall{suffix}", broken_catalog())
    runner = CliRunner()
    checked = runner.invoke(catalog, ["validate", str(path)])
    assert checked.exit_code == 1
    assert problems([x.strip() for x in checked.output.splitlines()]) == EXPECTED
    imported = runner.invoke(catalog, ["import", str(path), "--db", db.url])
    assert imported.exit_code == 1 and "nothing was imported" in imported.output
    assert problems([x.strip() for x in imported.output.splitlines()]) == EXPECTED
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ServiceItem)) == 0


def test_a_good_guide_in_yaml_imports_whole(db, tmp_path):
    data = deepcopy(small_catalog())
    data["services"][0]["guide"] = GOOD_GUIDE
    path = write(tmp_path / "hall.yaml", data)
    done = CliRunner().invoke(catalog, ["import", str(path), "--db", db.url])
    assert done.exit_code == 0, done.output
    with db.read() as s:
        guide = s.scalars(select(ServiceItem.guide).where(ServiceItem.code == "amr-001")).one()
    assert guide["materials"][0]["name_zh"] == "申请书" and guide["promised_days"] == 1
