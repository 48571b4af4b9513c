"""The hall this server runs, and its rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import HallRules, QueueError, business_date
from ..models import Hall


def get_hall(session: Session) -> Hall:
    hall = session.scalars(select(Hall).order_by(Hall.id).limit(1)).first()
    if hall is None:
        raise QueueError("hall_closed", "no hall is set up yet: import a catalog first")
    return hall


def hall_rules(hall: Hall) -> HallRules:
    return HallRules.from_dict({**(hall.rules or {}), "timezone": hall.timezone})


def today(hall: Hall, now: datetime) -> date:
    rules = hall_rules(hall)
    return business_date(now, rules.timezone, rules.reset_hour)
