"""The data model. Importing this package registers every table on ``Base.metadata``."""

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
