"""The one base exception of the ``store`` package and its named subclasses."""


class StoreError(Exception):
    """Base of every error raised by ``store``; messages say what to do."""


class SchemaTooNew(StoreError):
    """The database was written by a newer litrev; it is left untouched."""


class DatabaseBusy(StoreError):
    """Another process holds the database for writing."""


class DatabaseMissing(StoreError):
    """No database at the given path."""


class QueryError(StoreError):
    """A saved or ad-hoc query cannot run as asked (unknown name, parameters, or a write)."""


class LoadError(StoreError):
    """A batch could not be merged; the database is unchanged."""
