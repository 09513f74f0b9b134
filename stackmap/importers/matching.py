"""Match the names people write to library products and to tools already in the catalog.

Exact names and aliases first; then rapidfuzz with its default processor and a score cut-off.
A confident fuzzy match is used and reported; a middle-band score is only reported, as a
possible match for a person to confirm — never merged silently. Vendor names alone never
match a tool: one vendor sells many products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy
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
        self._processed = [utils.default_process(c) for c in self._choices]

    def _exact(self, written: str) -> Match | None:
        product = self.reference.product(written)
        if product is not None:
            how = "exact" if name_key(product.name) == name_key(written) else "alias"
            return Match(written, product.name, 100.0, how)
        bare = without_edition(written)
        product = self.reference.product(bare) if bare != written.strip() else None
        if product is not None:
            return Match(written, product.name, 100.0, "edition")
        return None

    def match(self, written: str) -> Match | None:
        """Return the product a name means, a possible one, or None."""
        return self.match_many([written])[0]

    def match_many(self, names: Sequence[str]) -> list[Match | None]:
        """Match many names at once: exact look-ups first, then one native fuzzy pass.

        The fuzzy pass scores every remaining name against every library name in compiled
        code on all cores, so 20,000 names take about a second, not minutes.
        """
        results: list[Match | None] = [self._exact(n) for n in names]
        pending = [
            i
            for i, n in enumerate(names)
            if results[i] is None and len(n.strip()) >= MIN_FUZZY_LENGTH
        ]
        if not pending:
            return results
        queries = [utils.default_process(names[i]) for i in pending]
        scores = process.cdist(
            queries,
            self._processed,
            scorer=fuzz.token_sort_ratio,
            dtype=numpy.uint8,
            score_cutoff=SUGGEST,
            workers=-1,
        )
        best = scores.argmax(axis=1)
        for row, index in enumerate(pending):
            column = int(best[row])
            if scores[row, column] < SUGGEST:
                continue
            # token_sort_ratio forgives word order; plain ratio keeps "HubSpot CRM" from
            # counting as "HubSpot": the lower of the two decides.
            score = _scorer(queries[row], self._processed[column])
            if score >= SUGGEST:
                how = "fuzzy" if score >= ACCEPT else "possible"
                results[index] = Match(names[index], self._names[self._choices[column]], score, how)
        return results


def similar_names(
    names: Iterable[str], known: Iterable[str], cutoff: float = ACCEPT
) -> list[tuple[str, str, float]]:
    """Return (name, known name, score) for names that closely resemble a different known name.

    Names are compared within blocks that share their first three letters, so a large import
    into a large catalog stays near-linear instead of comparing every pair.
    """
    known_list = list(dict.fromkeys(known))
    known_keys = {name_key(k) for k in known_list}
    blocks: dict[str, list[str]] = {}
    for other in known_list:
        blocks.setdefault(_block(other), []).append(other)
    result = []
    for name in names:
        if name_key(name) in known_keys or len(name.strip()) < MIN_FUZZY_LENGTH:
            continue
        candidates = blocks.get(_block(name), [])
        if not candidates:
            continue
        found = process.extractOne(
            utils.default_process(name),
            [utils.default_process(c) for c in candidates],
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=cutoff,
        )
        if found is not None:
            score = _scorer(utils.default_process(name), found[0])
            if score >= cutoff:
                result.append((name, candidates[found[2]], score))
    return result


def _block(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())[:3]
