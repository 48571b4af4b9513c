"""The kiosk's view-models: every rule, flow and word of the kiosk, with no Kivy import.

Screens (hallq.kiosk.ui) are thin: they call these, on a worker thread when a call blocks,
and draw what they return. Everything here is tested without a screen (tests/kiosk).
"""

from .catalog import Catalog
from .checkin import CheckIn
from .clock import Idle, IdleTimer
from .connection import Connection, Link
from .context import Context, KeyedRequest
from .credit import CreditLookup
from .fields import PADS, Checked, Entry, Kind, check
from .guides import GuideBrowser, GuideView, guide_view
from .i18n import LANGUAGES, Strings
from .kiosk import Kiosk, Notice
from .paging import Page, page_of
from .printing import KioskPrinter, PrintOutcome, StatusReporter
from .tickets import Issued, Outcome, Refused, TakeNumber

__all__ = [
    "LANGUAGES", "PADS", "Catalog", "CheckIn", "Checked", "Connection", "Context", "CreditLookup", "Entry",
    "GuideBrowser", "GuideView", "Idle", "IdleTimer", "Issued", "KeyedRequest", "Kind", "Kiosk", "KioskPrinter",
    "Link", "Notice", "Outcome", "Page", "PrintOutcome", "Refused", "StatusReporter", "Strings", "TakeNumber",
    "check", "guide_view", "page_of",
]
