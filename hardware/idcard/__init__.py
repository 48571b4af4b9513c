"""Resident ID card readers (二代证阅读器) on a serial line: the frame protocol most of them
speak (``protocol``), a driver that reads one card (``reader``) and a simulator (``sim``)."""

from __future__ import annotations

from .protocol import IdCard, IdCardFrame, parse_base_info
from .reader import IdCardReader
from .sim import IdCardReaderSimulator, sample_card

__all__ = ["IdCard", "IdCardFrame", "IdCardReader", "IdCardReaderSimulator", "parse_base_info", "sample_card"]
