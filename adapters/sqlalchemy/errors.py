"""Storage failures as the application sees them, without the driver's exception types."""


class StorageError(Exception):
    """The database could not do what was asked (unreachable, timed out, locked...)."""


class StorageConflict(StorageError):
    """A write broke a uniqueness or reference rule, e.g. a second campaign with the same name."""
