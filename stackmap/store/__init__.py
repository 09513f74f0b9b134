"""The store: set-based writes of tools, contracts, capabilities, spend and integrations, with
their history.

Every write of the application API goes through a Writer inside one session, so a whole import
is one transaction and each change leaves a Change row. Rows are read and written in bulk (a
handful of statements per batch, not one per row), which keeps 20,000-row imports fast.
`sql` holds the generic statements; one module per entity holds its upserts.
"""

from __future__ import annotations

from stackmap.store.base import Outcome, owner_kind
from stackmap.store.integrations import IntegrationWrites
from stackmap.store.spend import SpendWrites
from stackmap.store.tools import ToolWrites


class Writer(ToolWrites, SpendWrites, IntegrationWrites):
    """Writes validated records inside one session; history rows are flushed at the end."""


__all__ = ["Outcome", "Writer", "owner_kind"]
