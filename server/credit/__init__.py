"""Enterprise credit records and service guides: import, search, privacy, and the sources
behind the hall's credit query terminal."""

from .files import CreditFileInvalid, Issue, LoadedFile, load_file
from .importer import ImportReport, import_rows
from .records import CompanyIn
from .scrub import scrub
from .search import ParsedQuery, parse_query
from .sources import CreditSource, HttpSource, LocalSource, make_source

__all__ = [
    "CompanyIn", "CreditFileInvalid", "CreditSource", "HttpSource", "ImportReport", "Issue", "LoadedFile",
    "LocalSource", "ParsedQuery", "import_rows", "load_file", "make_source", "parse_query", "scrub",
]
