"""Who a supplier on an invoice is: a vendor, one of its products, or nobody stackmap knows.

A supplier is a vendor only when its name, without legal suffixes (Ltd, Inc, GmbH, LLC, plc,
BV…) and region words (UK, EMEA, Ireland…), *is* that vendor, one of its products or aliases,
or a supplier name the reference lists (catalog/suppliers.yaml). A shared word is never enough:
"Drift Property Maintenance Ltd" is not Drift, "Outreach Community Trust" is not Outreach.
Such a name is only reported, for a person to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from stackmap.domain import name_key, vendor_key
from stackmap.reference import Reference

_REGION = re.compile(
    r"[,.]?\s+(uk|u\.k\.?|gb|emea|europe|european|eu|ireland|international|intl|us|usa|"
    r"north america|americas|global|worldwide|holdings?|apac|nordics?|deutschland|germany|"
    r"france|benelux|group|uk branch)\.?$",
    re.IGNORECASE,
)


def supplier_key(name: str) -> str:
    """A supplier's identity: "Salesforce.com EMEA Ltd" → "salesforce.com", "HubSpot, Inc."
    → "hubspot"."""
    text = vendor_key(name)
    while True:
        shorter = vendor_key(_REGION.sub("", text))
        if shorter == text or not shorter:
            return text
        text = shorter


@dataclass(frozen=True)
class Identity:
    """What a supplier's name is: a vendor, and a product when the name is one."""

    vendor: str
    product: str | None
    how: Literal["vendor", "product", "supplier alias"]


class SupplierIndex:
    """Every name a supplier may go by, from the library, the supplier list and the catalog."""

    def __init__(self, reference: Reference, catalog_vendors: Iterable[str] = ()) -> None:
        self.reference = reference
        self._names: dict[str, Identity] = {}
        for vendor in catalog_vendors:
            self._add(vendor, Identity(vendor, None, "vendor"))
        for product in reference.products:
            self._add(product.vendor, Identity(product.vendor, None, "vendor"))
        for alias in reference.suppliers:
            self._add(alias.name, Identity(alias.vendor, None, "supplier alias"))
        for product in reference.products:
            for name in (product.name, *product.aliases):
                self._add(name, Identity(product.vendor, product.name, "product"))
        self._words = re.compile(
            r"\b("
            + "|".join(
                re.escape(k) for k in sorted(self._names, key=len, reverse=True) if len(k) >= 3
            )
            + r")\b"
        )

    def _add(self, name: str, identity: Identity) -> None:
        self._names.setdefault(supplier_key(name), identity)

    def identify(self, supplier: str) -> Identity | None:
        """The vendor (and product) a supplier's name is, or None."""
        return self._names.get(supplier_key(supplier))

    def resembles(self, supplier: str) -> list[str]:
        """Known vendor or product names that appear as words inside a longer supplier name:
        reasons to ask a person, never to tie the spend."""
        key = supplier_key(supplier)
        found = [m.group(1) for m in self._words.finditer(key) if m.group(1) != key]
        return list(dict.fromkeys(found))


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """The names (of five letters or more) that an invoice text spells out as whole words."""
    low = name_key(text)
    return [
        n
        for n in names
        if len(n) >= 5 and re.search(rf"(?<!\w){re.escape(name_key(n))}(?!\w)", low)
    ]
