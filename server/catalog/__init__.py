"""The hall's catalog as a file: schema, import and export (``hallq catalog import/export``)."""

from .io import CatalogReport, export_catalog, import_catalog, load_catalog_file
from .schema import CatalogFile, CatalogInvalid

__all__ = ["CatalogFile", "CatalogInvalid", "CatalogReport", "export_catalog", "import_catalog",
           "load_catalog_file"]
