"""The kiosk's screens: each a class (here) and a .kv file beside it."""

from .checkin import CheckInScreen
from .company import CompanyScreen
from .confirm import ConfirmScreen
from .credit import CreditScreen
from .departments import DepartmentsScreen
from .entry import EntryScreen
from .guide import GuideScreen
from .guides import GuidesScreen
from .home import HomeScreen
from .services import ServicesScreen
from .ticket import TicketScreen

SCREENS = (HomeScreen, DepartmentsScreen, ServicesScreen, ConfirmScreen, TicketScreen, EntryScreen,
           CheckInScreen, GuidesScreen, GuideScreen, CreditScreen, CompanyScreen)

__all__ = ["SCREENS"]
