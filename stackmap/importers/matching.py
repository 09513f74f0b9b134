"""Match the names people write to library products and to tools already in the catalog.

Exact names and aliases first; then rapidfuzz with its default processor and a score cut-off.
A confident fuzzy match is used and reported; a middle-band score is only reported, as a
possible match for a person to confirm — never merged silently. Vendor names alone never
match a tool: one vendor sells many products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils

from stackmap.models import name_key
from stackmap.reference import Reference

ACCEPT = 90.0  # at or above: the same product
SUGGEST = 80.0  # from here to ACCEPT: reported for a person to confirm
MIN_FUZZY_LENGTH = 4  # "Box" and "Bit" are too short to compare loosely


@dataclass(frozen=True)
class Match:
    """What a written name was matched to, how, and how sure the match is."""

    written: str
    target: str
    score: float
    how: str  # "exact", "alias", "edition", "fuzzy" or "possible"


def _scorer(a: str, b: str, **_: Any) -> float:
    # token_sort_ratio tolerates word order; ratio keeps "HubSpot CRM" from equalling "HubSpot".
    return float(min(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b) + 10))


# Plan and edition words people add to a product's name ("Slack Enterprise", "Outreach.io").
_EDITION = re.compile(
    r"(\.(io|com|ai|co)\b|\s+(enterprise|ent|pro|professional|business|team|teams|premium|"
    r"plus|standard|basic|starter|growth|suite|edition|plan|license|licence|subscription|"
    r"annual|seats?|platform|cloud|saas|inc|llc|ltd|grid|ultimate|advanced|elite|corporate|"
    r"unlimited|essentials|guru|lite|free)\.?)+$",
    re.IGNORECASE,
)


def without_edition(name: str) -> str:
    """Return a name without trailing plan or edition words: "Slack Enterprise" → "Slack"."""
    return _EDITION.sub("", name.strip()).strip() or name.strip()


class ProductMatcher:
    """Resolves names to library products."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self._names: dict[str, str] = {}
        for product in reference.products:
            for name in (product.name, *product.aliases):
                self._names[name] = product.name
        self._choices = list(self._names)

    def match(self, written: str) -> Match | None:
        """Return the product a name means, a possible one, or None."""
        product = self.reference.product(written)
        if product is not None:
            how = "exact" if name_key(product.name) == name_key(written) else "alias"
            return Match(written, product.name, 100.0, how)
        bare = without_edition(written)
        product = self.reference.product(bare) if bare != written.strip() else None
        if product is not None:
            return Match(written, product.name, 100.0, "edition")
        if len(written.strip()) < MIN_FUZZY_LENGTH:
            return None
        found = process.extractOne(
            written,
            self._choices,
            scorer=_scorer,
            processor=utils.default_process,
            score_cutoff=SUGGEST,
        )
        if found is None:
            return None
        choice, score, _ = found
        return Match(
            written, self._names[choice], score, "fuzzy" if score >= ACCEPT else "possible"
        )


def similar_names(
    names: Iterable[str], known: Iterable[str], cutoff: float = ACCEPT
) -> list[tuple[str, str, float]]:
    """Return (name, known name, score) for names that closely resemble a different known name."""
    known_list = list(dict.fromkeys(known))
    known_keys = {name_key(k) for k in known_list}
    result = []
    for name in names:
        if name_key(name) in known_keys or len(name.strip()) < MIN_FUZZY_LENGTH:
            continue
        found = process.extractOne(
            name, known_list, scorer=_scorer, processor=utils.default_process, score_cutoff=cutoff
        )
        if found is not None:
            result.append((name, found[0], found[1]))
    return result
