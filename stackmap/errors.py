"""The exceptions stackmap raises on purpose, each with the exit code the CLI maps it to.

Exit codes follow BSD sysexits so scripts can tell a bad value (65) from a missing
tool (66), an unreachable database (69) or broken reference data (78).
"""


class StackmapError(Exception):
    """Base of every error stackmap reports to a person as one line."""

    exit_code = 1


class NotFoundError(StackmapError):
    """A tool, integration or file the user named does not exist."""

    exit_code = 66


class InvalidValueError(StackmapError):
    """A value the user gave (a field, a cell, an option) cannot be accepted."""

    exit_code = 65


class DuplicateError(InvalidValueError):
    """Something with the same identity is already in the catalog."""


class ReferenceDataError(StackmapError):
    """The reference files (taxonomy, product library) are missing or inconsistent."""

    exit_code = 78


class DatabaseUnavailableError(StackmapError):
    """The database cannot be opened, reached or upgraded."""

    exit_code = 69


class DatabaseBusyError(StackmapError):
    """Another process holds the database lock for longer than the busy timeout."""

    exit_code = 75


class UsageError(StackmapError):
    """The options given do not fit together or do not apply to what was named."""

    exit_code = 2
