"""The domain's vocabulary: identity keys of names and the closed sets of values fields take.

Nothing here touches a database or a UI, so the importers, the analysis and the exports can
share it without loading SQLAlchemy. The tables in `stackmap.models` store these values as
short strings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache


def utcnow() -> datetime:
    """Return the current time in UTC, the form every timestamp column stores."""
    return datetime.now(UTC)


@lru_cache(maxsize=65536)  # imports look up the same names many times over
def name_key(name: str) -> str:
    """Return the identity of a name: case-folded with runs of white space collapsed.

    "HubSpot  Marketing Hub" and "hubspot marketing hub" are the same tool.
    """
    return " ".join(name.split()).casefold()


# The legal forms a vendor's name may end with ("HubSpot, Inc.", "SAP SE" is not one).
LEGAL_FORMS = (
    "inc", "incorporated", "llc", "l.l.c", "ltd", "limited", "gmbh", "corp", "corporation",
    "co", "company", "plc", "ag", "sa", "s.a", "sas", "bv", "b.v", "nv", "pty", "pte", "srl",
    "oy", "ab", "as", "aps", "kk",
)  # fmt: skip
_LEGAL_WORDS = frozenset(LEGAL_FORMS)
_LEGAL_SUFFIX = re.compile(
    r"[,.]?\s+(" + "|".join(map(re.escape, LEGAL_FORMS)) + r")\.?$", re.IGNORECASE
)


@lru_cache(maxsize=16384)
def vendor_key(name: str) -> str:
    """Return a vendor's identity: "HubSpot, Inc." and "Hubspot" are one vendor."""
    text = " ".join(name.split())
    last = text.rpartition(" ")[2]
    # Most names end with no legal form, which a look-up of their last word tells without
    # the expression (a 100,000-tool import names 33,000 vendors, past the cache). A word
    # not in ASCII goes to the expression, whose case-blind matching is Unicode's.
    if last.isascii() and last.casefold().removesuffix(".") not in _LEGAL_WORDS:
        return name_key(text)
    return name_key(without_legal_forms(text))


def without_legal_forms(text: str) -> str:
    """A name without the legal forms it ends with ("Acme Holdings, Inc. Ltd" → "Acme
    Holdings"), by the expression alone; never to nothing."""
    while True:
        shorter = _LEGAL_SUFFIX.sub("", text)
        if shorter == text or not shorter:
            return text
        text = shorter


class ToolStatus(StrEnum):
    EVALUATING = "evaluating"
    ACTIVE = "active"
    SUNSETTING = "sunsetting"
    RETIRED = "retired"


class Disposition(StrEnum):
    """The TIME-style rationalisation decision, extended with Consolidate."""

    TOLERATE = "tolerate"
    INVEST = "invest"
    MIGRATE = "migrate"
    ELIMINATE = "eliminate"
    CONSOLIDATE = "consolidate"


class OwnerKind(StrEnum):
    PERSON = "person"
    TEAM = "team"


class BillingPeriod(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    MULTI_YEAR = "multi_year"
    ONE_OFF = "one_off"


class PricingModel(StrEnum):
    """How a contract is priced: only per-seat licences waste money on idle seats."""

    PER_SEAT = "per_seat"
    PLATFORM = "platform"  # a flat fee, a tier, or priced by database size or contacts
    USAGE = "usage"  # metered: credits, volume, pay as you go


class IntegrationDirection(StrEnum):
    ONE_WAY = "one_way"
    TWO_WAY = "two_way"


class IntegrationMethod(StrEnum):
    NATIVE = "native"
    API = "api"
    IPAAS = "ipaas"
    FILE = "file"
    MANUAL = "manual"
    UNKNOWN = "unknown"  # a sheet listed the connection without saying how it works


class IntegrationStatus(StrEnum):
    ACTIVE = "active"
    BROKEN = "broken"
    PLANNED = "planned"


class Frequency(StrEnum):
    REAL_TIME = "real_time"
    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    AD_HOC = "ad_hoc"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
