"""Enterprise credit records from the city credit platform, and the log of every look-up.

Personal data never reaches these tables: the importer drops the legal representative's ID
number and masks ID, mobile and bank card numbers and home addresses inside free text
(hallq.server.credit.scrub) before anything is written.

Search: on SQLite an FTS5 table (trigram tokenizer) shadows code, name and initials and is kept
in step by triggers; on PostgreSQL the same three columns carry pg_trgm GIN indexes. Both are
created by migration 0002_credit, per dialect, so they are not declared here. Two-character
name searches, too short for trigrams, use credit_name_grams on both databases.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, BigId, UTCDateTime, utcnow

# Registration status codes; the importer maps the platform's Chinese wording onto them.
COMPANY_STATUSES = ("active", "suspended", "liquidating", "revoked", "cancelled", "moved_out")
LISTS = ("abnormal", "dishonest", "red")
TAX_GRADES = ("A", "B", "M", "C", "D")


class CreditCompany(Base):
    """Registration data of one market entity, keyed by its unified social credit code."""

    __tablename__ = "credit_companies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    # False when the code's GB 32100 check character fails: such codes circulate, so they are
    # kept and flagged rather than refused.
    code_checked: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(String(200))
    initials: Mapped[str] = mapped_column(String(200), default="")   # pinyin initials of the name
    type: Mapped[str] = mapped_column(String(100), default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    registered_capital: Mapped[str] = mapped_column(String(60), default="")
    established: Mapped[date | None] = mapped_column(Date, nullable=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    authority: Mapped[str] = mapped_column(String(100), default="")     # registration authority
    tax_grade: Mapped[str | None] = mapped_column(String(1), nullable=True)
    tax_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tax_source: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    # When the platform last changed the record, if its export says so.
    source_updated: Mapped[date | None] = mapped_column(Date, nullable=True)
    # SHA-256 of the normalized record with its sub-records: an unchanged row is skipped.
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    licences: Mapped[list[CreditLicence]] = relationship(
        order_by="CreditLicence.id", cascade="all, delete-orphan", passive_deletes=True)
    penalties: Mapped[list[CreditPenalty]] = relationship(
        order_by="CreditPenalty.id", cascade="all, delete-orphan", passive_deletes=True)
    list_entries: Mapped[list[CreditListEntry]] = relationship(
        order_by="CreditListEntry.id", cascade="all, delete-orphan", passive_deletes=True)


class CreditNameGram(Base):
    """Every pair of adjacent characters of a company's name (lower case): the index of
    two-character name searches (华瑞), which trigram indexes cannot serve. Kept by the importer."""

    __tablename__ = "credit_name_grams"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("credit_companies.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class CreditLicence(Base):
    """An administrative licence (行政许可), published under 双公示."""

    __tablename__ = "credit_licences"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("credit_companies.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(100), default="")       # licence / decision number
    name: Mapped[str] = mapped_column(String(200), default="")         # 许可证名称
    content: Mapped[str] = mapped_column(Text, default="")
    authority: Mapped[str] = mapped_column(String(100), default="")
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")


class CreditPenalty(Base):
    """An administrative penalty (行政处罚), published under 双公示."""

    __tablename__ = "credit_penalties"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("credit_companies.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(100), default="")       # decision number (文书号)
    kind: Mapped[str] = mapped_column(String(100), default="")         # 罚款, 警告, ...
    facts: Mapped[str] = mapped_column(Text, default="")               # 违法事实, scrubbed
    content: Mapped[str] = mapped_column(Text, default="")             # 处罚内容, scrubbed
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2), nullable=True)   # yuan
    authority: Mapped[str] = mapped_column(String(100), default="")
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(100), default="")


class CreditListEntry(Base):
    """Membership of a list: abnormal operations, serious dishonesty (incl. 失信被执行人), red list."""

    __tablename__ = "credit_list_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("credit_companies.id", ondelete="CASCADE"), index=True)
    list_code: Mapped[str] = mapped_column(String(20))                 # one of LISTS
    reason: Mapped[str] = mapped_column(Text, default="")
    included_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    removed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    authority: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(100), default="")


class CreditQuery(Base):
    """One credit look-up: who asked, from which device, what, when, and how many results.
    Also the counter behind the per-device rate limit."""

    __tablename__ = "credit_queries"
    __table_args__ = (Index("ix_credit_queries_actor_at", "actor_kind", "actor_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))                # device | staff
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    role: Mapped[str] = mapped_column(String(10))
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")       # the client's IP address
    action: Mapped[str] = mapped_column(String(10))                    # search | company
    query: Mapped[str] = mapped_column(String(100), default="")        # scrubbed before it is stored
    kind: Mapped[str] = mapped_column(String(10), default="")          # code | name | initials
    results: Mapped[int] = mapped_column(Integer, default=0)
    # ok | not_found | invalid | rate_limited | unavailable
    outcome: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="local")
