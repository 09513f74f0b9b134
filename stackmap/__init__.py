"""stackmap: take stock of a martech stack and decide what to keep, consolidate or cut."""

__version__ = "0.1.0"
