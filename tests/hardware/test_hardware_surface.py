"""The hardware layer's public surface and its import rules."""

from __future__ import annotations

import ast
from pathlib import Path

import hallq.hardware
import pytest
from hallq.hardware.errors import (
    PRINTER_CODES,
    SERIAL_CODES,
    VOICE_CODES,
    HardwareError,
    PrinterError,
    SerialDeviceError,
    VoiceError,
)

pytestmark = pytest.mark.timeout(30)

ROOT = Path(hallq.hardware.__file__).parent


def test_every_public_name_resolves() -> None:
    for name in hallq.hardware.__all__:
        assert getattr(hallq.hardware, name) is not None, name
    with pytest.raises(AttributeError):
        hallq.hardware.NoSuchThing  # noqa: B018


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_kivy_and_no_server_imports() -> None:
    for path in ROOT.rglob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("kivy", "hallq.server")), f"{path}: {name}"


def test_modules_stay_small() -> None:
    for path in ROOT.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 800, path


def test_one_exception_tree_with_documented_codes() -> None:
    for cls in (PrinterError, SerialDeviceError, VoiceError):
        assert issubclass(cls, HardwareError)
        assert cls.__doc__ and len(cls.__doc__.splitlines()) == 1
    error = PrinterError("paper_out", "the roll is empty", stage="before")
    assert (error.code, str(error)) == ("paper_out", "the roll is empty")
    assert error.as_dict() == {"code": "paper_out", "message": "the roll is empty",
                               "details": {"stage": "before"}}


def _raised_codes(cls_name: str) -> set[str]:
    codes: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == cls_name \
                    and node.args and isinstance(node.args[0], ast.Constant):
                codes.add(node.args[0].value)
    return codes


@pytest.mark.parametrize(("cls_name", "documented"), [
    ("PrinterError", PRINTER_CODES), ("SerialDeviceError", SERIAL_CODES),
    ("VoiceError", VOICE_CODES)])
def test_every_raised_code_is_documented(cls_name: str, documented: dict[str, str]) -> None:
    assert _raised_codes(cls_name) <= set(documented)


def test_all_lists_exactly_the_lazy_exports() -> None:
    assert set(hallq.hardware.__all__) == set(hallq.hardware._EXPORTS)
