"""The search text of each service item's guide, for the guide search of the kiosks.

One row per service item: its names, pinyin, initials, materials and conditions, lower-cased
in one column. Triggers on service_items keep it in step with every catalog change, whoever
makes it (migration 0002_credit, per dialect); on SQLite an FTS5 trigram table shadows it, on
PostgreSQL a pg_trgm GIN index covers it.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class GuideSearch(Base):
    __tablename__ = "guide_search"

    service_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
