"""The SQLite store: series metadata, observations with real-time periods (vintages), and the send ledger.

This package is the only code that touches the database: ``database`` (the Store), ``staging`` (imports), ``ledger``
(who each edition reached) and ``common`` (rows, errors).
"""

from report.store.common import OPEN_END, DuplicateObservation, OutdatedStore, Row, store_error, today_utc
from report.store.database import SCHEMA_VERSION, ObservationSource, Store
from report.store.staging import Staging

__all__ = [
    "OPEN_END",
    "SCHEMA_VERSION",
    "DuplicateObservation",
    "ObservationSource",
    "OutdatedStore",
    "Row",
    "Staging",
    "Store",
    "store_error",
    "today_utc",
]
