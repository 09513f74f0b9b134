"""Match the names people write to library products and to tools already in the catalog.

Exact names and aliases first (also the same letters spaced otherwise, a product's own web
address, either half of "Old name (New name)"); then rapidfuzz finds candidates, and a
candidate is taken only when the two names agree token by token: the same words, perhaps
spaced or ordered differently, or in a name of several words one long word with a one-letter
typo. "Lever" is not "Clever", "Google Ads" is not "Google Docs", "HubSpot CRM" is not
"HubSpot". A false merge corrupts two tools and a missed match costs one note, so a name that
agrees with two products, or only resembles one, is reported as a possible match for a person
to confirm — never merged. Vendor names alone never match a tool: one vendor sells many
products.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import Levenshtein

from stackmap.domain import name_key
from stackmap.reference import Reference

ACCEPT = 90.0  # at or above: the same product
SUGGEST = 80.0  # from here to ACCEPT: reported for a person to confirm
MIN_FUZZY_LENGTH = 4  # "Box" and "Bit" are too short to compare loosely
# Up to this many names are searched one by one; more go through one native pass on all cores.
FEW_NAMES = 1000
MIN_TYPO_LENGTH = 8  # a one-letter difference is a typo only in words this long


@dataclass(frozen=True)
class Match:
    """What a written name was matched to, how, and how sure the match is."""

    written: str
    target: str
    score: float
    how: Literal["exact", "alias", "edition", "fuzzy", "possible"]


def sorted_words(text: str) -> str:
    """A processed name's words in order, as token_sort_ratio compares them: a plain ratio of
    two names so sorted is their token_sort_ratio."""
    return " ".join(sorted(text.split()))


def _scorer(a: str, b: str, **_: Any) -> float:
    # token_sort_ratio tolerates word order; ratio keeps "HubSpot CRM" from equalling "HubSpot".
    return float(min(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b) + 10))


# Plan and edition words people add to a product's name ("Slack Enterprise", "HubSpot Pro"),
# less those that name products of their own ("Adblock Plus", "Material Design Lite"). Words
# that often make another product ("Cloud", "Platform", "Suite", "Business": "Google Cloud"
# is not "Google") are not among them, nor are web suffixes ("Clerk.io" is not "Clerk"; see
# ProductMatcher._domain_product).
_EDITION = re.compile(
    r"(\s+(enterprise|ent|pro|professional|team|teams|premium|"
    r"standard|basic|starter|growth|edition|plan|license|licence|subscription|"
    r"annual|seats?|inc|llc|ltd|grid|advanced|unlimited|essentials|free)\.?)+$",
    re.IGNORECASE,
)
_DOMAIN = re.compile(r"^(?P<bare>[\w-]+)\.(io|com|ai|co|app|so|net)$", re.IGNORECASE)
_PARENTHESES = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")
# Compiled once: every name of a 20,000-row sheet goes through both.
_NOT_WORDS = re.compile(r"[\W_]+")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]")


def without_edition(name: str) -> str:
    """Return a name without trailing plan or edition words: "Slack Enterprise" → "Slack"."""
    return _EDITION.sub("", name.strip()).strip() or name.strip()


def tokens_agree(written: str, known: str) -> bool:
    """True when a written name and a known one are the same words: spaced, punctuated, cased
    or ordered differently, or, in a name of several words, one word of at least
    MIN_TYPO_LENGTH letters (no digits) with a one-letter typo. Plan words after the written
    name are set aside; the known name's own words all count.

    "Hub Spot" = "HubSpot", "Analytics Google" = "Google Analytics", "Salesforce Markting
    Cloud" = "Salesforce Marketing Cloud"; but "Sprig" ≠ "Spring", "Google Ads" ≠ "Google Docs",
    "Adobe Target" ≠ "Adobe Analytics", "HubSpot CRM" ≠ "HubSpot", "GA 3" ≠ "GA 4", "C++" ≠ "C".
    """
    left = _words(without_edition(written))
    right = _words(known)
    if "".join(left) == "".join(right) or sorted(left) == sorted(right):
        return True
    return _one_typo(left, right)


def _words(name: str) -> list[str]:
    """A name's words in lower case without punctuation, its symbols spelled out so that
    "C++" stays apart from "C"."""
    spelled = name.casefold().replace("+", " plus").replace("#", " sharp")
    return _NOT_WORDS.sub(" ", spelled).split()


def _letters(name: str) -> str:
    """A name's letters and digits only: "Hub-Spot" → "hubspot", "C++" → "cplusplus"."""
    return "".join(_words(name))


def _one_typo(left: list[str], right: list[str]) -> bool:
    """One word of a name of several words has a one-letter typo; the other words agree.

    Single-word names get no such tolerance: real brands differ by one letter ("Storyblok" and
    "Storybook", "Frontify" and "Frontity", "Convertro" and "Convertio")."""
    if len(left) != len(right) or len(left) < 2:
        return False
    for x, y in ((left, right), (sorted(left), sorted(right))):
        differing = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
        if len(differing) == 1 and _typo(*differing[0]):
            return True
    return False


def _typo(a: str, b: str) -> bool:
    return (
        min(len(a), len(b)) >= MIN_TYPO_LENGTH
        and a[0] == b[0]
        and not any(c.isdigit() for c in a + b)
        and Levenshtein.distance(a, b) == 1
    )


def load_batch_matching() -> Any:
    """Load what matching more than FEW_NAMES names at once needs (numpy: a tenth of a
    second), for instance while a large file is still being read."""
    import numpy

    return numpy


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
        self._sorted = [sorted_words(c) for c in self._processed]
        # "GoogleAnalytics", "Hub-Spot": the same letters as one library name, spaced otherwise.
        joined: dict[str, set[str]] = {}
        for choice in self._choices:
            joined.setdefault(_letters(choice), set()).add(self._names[choice])
        self._joined = {k: next(iter(v)) for k, v in joined.items() if len(v) == 1 and len(k) >= 4}

    def _exact(self, written: str) -> Match | None:
        product = self.reference.product(written)
        if product is not None:
            how: Literal["exact", "alias"] = (
                "exact" if name_key(product.name) == name_key(written) else "alias"
            )
            return Match(written, product.name, 100.0, how)
        bare = without_edition(written)
        # "JET Enterprise" is not JET: a name this short is too often a word of another name.
        long_enough = len(bare) >= MIN_FUZZY_LENGTH
        product = self.reference.product(bare) if bare != written.strip() and long_enough else None
        if product is not None:
            return Match(written, product.name, 100.0, "edition")
        spelled = self._joined.get(_letters(written))
        if spelled is not None:
            return Match(written, spelled, 100.0, "alias")
        return self._domain_product(written) or self._parenthesised(written)

    def _domain_product(self, written: str) -> Match | None:
        """ "Outreach.io" is Outreach when Outreach's website is outreach.io (and not otherwise:
        "Clerk.io" is not Clerk)."""
        domain = _DOMAIN.match(written.strip())
        if domain is None:
            return None
        product = self.reference.product(domain.group("bare"))
        if product is None or not product.website:
            return None
        host = re.sub(r"^(https?://)?(www\.)?", "", product.website.casefold()).split("/")[0]
        if host != written.strip().casefold():
            return None
        return Match(written, product.name, 100.0, "alias")

    def _parenthesised(self, written: str) -> Match | None:
        """ "Pardot (Marketing Cloud Account Engagement)": either half names the product, and
        the halves must not name two different ones."""
        parts = _PARENTHESES.match(written.strip())
        if parts is None:
            return None
        found = set()
        for half in parts.group("outer", "inner"):
            product = self.reference.product(half) or self.reference.product(without_edition(half))
            if product is not None:
                found.add(product.name)
        if len(found) != 1:
            return None
        return Match(written, found.pop(), 100.0, "alias")

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
        for row, found in self._candidates([sorted_words(q) for q in queries]).items():
            results[pending[row]] = self._decide(names[pending[row]], queries[row], found)
        return results

    def _candidates(self, queries: list[str]) -> dict[int, list[int]]:
        """For each query (by index) that has any, the library names (by index, ascending)
        scoring at least SUGGEST against it.

        token_sort_ratio sorts both names' words for each of the 20,000 x 1,000 pairs; with
        the words sorted once per name, a plain ratio gives the same scores in half the time.
        """
        candidates: dict[int, list[int]] = {}
        if len(queries) <= FEW_NAMES:
            # A team's sheet: a search per name, without loading numpy (a tenth of a second).
            # The same pairs as cdist's: both drop a score under the cutoff before rounding.
            for row, query in enumerate(queries):
                found = process.extract(
                    query, self._sorted, scorer=fuzz.ratio, score_cutoff=SUGGEST, limit=None
                )
                if found:
                    candidates[row] = sorted(column for _, _, column in found)
            return candidates
        numpy = load_batch_matching()

        scores = process.cdist(
            queries,
            self._sorted,
            scorer=fuzz.ratio,
            dtype=numpy.uint8,
            score_cutoff=SUGGEST,
            workers=-1,
        )
        rows, columns = numpy.nonzero(scores >= SUGGEST)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            candidates.setdefault(row, []).append(column)
        return candidates

    def _decide(self, written: str, query: str, columns: list[int]) -> Match | None:
        """Take the one product whose name agrees with the written one token by token; report
        the closest as possible when none or several agree."""
        scored = sorted(
            (
                (_scorer(query, self._processed[c]), self._names[self._choices[c]], c)
                for c in columns
            ),
            key=lambda t: (-t[0], t[1]),
        )
        agreeing = {
            product: score
            for score, product, column in scored
            if tokens_agree(written, self._choices[column])
        }
        if len(agreeing) == 1:
            product, score = next(iter(agreeing.items()))
            return Match(written, product, max(score, ACCEPT), "fuzzy")
        score, product, _ = scored[0]
        if score < SUGGEST and not agreeing:
            return None
        return Match(written, product, score, "possible")


def similar_names(
    names: Iterable[str], known: Iterable[str], cutoff: float = ACCEPT, *, agreeing: bool = False
) -> list[tuple[str, str, float]]:
    """Return (name, known name, score) for names that closely resemble a different known name.

    agreeing keeps only names that agree token by token (tokens_agree): for resolving a name
    to a tool, not just telling a person that two names look alike.

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
            if score >= cutoff and (not agreeing or tokens_agree(name, candidates[found[2]])):
                result.append((name, candidates[found[2]], score))
    return result


def _block(name: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", name.casefold())[:3]
