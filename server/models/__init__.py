"""The data model. Importing this package registers every table on ``Base.metadata``:
the core tables below, and every other module of this package (credit records, guides,
follow-ups...), which is imported by name so that Alembic sees it."""

import importlib
import pkgutil

from .appointments import Appointment
from .base import Base, utcnow
from .catalog import Category, Department, Hall, Queue, ServiceItem, Window, WindowQueue
from .evaluations import Evaluation
from .staff import Device, Staff, StaffToken
from .tickets import AuditEntry, DailyCounter, IdempotencyRecord, LiveEvent, Ticket, TicketEvent

__all__ = [
    "Appointment", "AuditEntry", "Base", "Category", "DailyCounter", "Department", "Device",
    "Evaluation", "Hall", "IdempotencyRecord", "LiveEvent", "Queue", "ServiceItem", "Staff",
    "StaffToken", "Ticket", "TicketEvent", "Window", "WindowQueue", "utcnow",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
