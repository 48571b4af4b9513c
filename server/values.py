"""Rules every value that reaches the database keeps, whatever the model it arrives in."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value`` (strings, lists, dicts)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(has_nul(v) for v in value)
    return False


class NoNul(BaseModel):
    """A model whose text may not carry NUL: SQLite would store it, PostgreSQL refuses it, so
    one hall would keep what another cannot; every database gets the same 422 instead."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("a NUL character is not allowed")
        return value
