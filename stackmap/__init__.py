"""stackmap: take stock of a martech stack and decide what to keep, consolidate or cut."""

__version__ = "0.1.0"

# Where a shared catalog's URL is given. Here, not in stackmap.db, so that the command line can
# name it in --help without loading SQLAlchemy.
DATABASE_URL_ENV = "STACKMAP_DATABASE_URL"
