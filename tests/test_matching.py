"""Matching names to library products: zero false merges on real product names, and the
recall that precision leaves (printed with -s; recorded in the closing notes)."""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, utils

from stackmap.importers.matching import (
    ProductMatcher,
    similar_names,
    sorted_words,
    tokens_agree,
)
from stackmap.reference import Product, Reference

NAMES_FILE = Path(__file__).resolve().parent / "data" / "product_names.csv"
FOLDS = 10
# Different spellings of one product among the real names (checked by hand): matching one to
# the other is right, not a false merge.
SAME_PRODUCT = {
    frozenset({"Help Scout", "Helpscout"}),
    frozenset({"OXID eShop Enterprise Edition", "OXID eShop"}),
    frozenset({"Tailwind CSS", "tailwindcss"}),
    frozenset({"TrackJs", "Track JS"}),
    frozenset({"Mouse Flow", "Mouseflow"}),
    frozenset({"Parse.ly", "Parsely"}),
}
# Look-alike names of different products, collected from the real names and from imports
# that went wrong: neither may ever be read as the other.
LOOK_ALIKES = [
    ("Lever", "Clever"),
    ("Sprig", "Spring"),
    ("Storyblok", "Storybook"),
    ("Frontify", "Frontity"),
    ("Convertro", "Convertio"),
    ("Spinnaker", "Spinnakr"),
    ("Optimise", "Optimism"),
    ("Google Ads", "Google Docs"),
    ("Google Analytics", "Google Analytics 4"),
    ("Adobe Analytics", "Adobe Target"),
    ("AWS Lambda", "AWS Glue"),
    ("HubSpot", "HubSpot CRM"),
    ("Clerk", "Clerk.io"),
    ("Google", "Google Cloud"),
    ("AdBlock", "Adblock Plus"),
    ("Material Design", "Material Design Lite"),
    ("Alibaba.com", "Alibaba Cloud"),
    ("Asana", "Asanas"),
    ("Segment", "Segments"),
    ("C", "C++"),
    ("F", "F#"),
]


def _names() -> list[str]:
    with NAMES_FILE.open(encoding="utf-8") as stream:
        return [row["name"] for row in csv.DictReader(stream)]


def _library(reference: Reference, names: list[str]) -> ProductMatcher:
    products = tuple(
        Product(name=n, vendor="Vendor", category="crm", capabilities=()) for n in names
    )
    return ProductMatcher(dataclasses.replace(reference, products=products))


def _same(written: str, target: str) -> bool:
    """Ground truth: one product when the names agree once a qualifier in brackets is dropped
    ("Mixpanel (Actions)" is Segment's connector for Mixpanel), or when listed as one."""

    def bare(name: str) -> str:
        return re.sub(r"\s*\([^)]*\)\s*$", "", name).casefold()

    return bare(written) == bare(target) or frozenset({written, target}) in SAME_PRODUCT


def test_there_are_at_least_5000_real_product_names() -> None:
    assert len(_names()) >= 5000


def test_no_real_product_name_is_merged_into_another(reference: Reference) -> None:
    names = _names()
    false_merges = []
    for fold in range(FOLDS):
        # Names are sorted, so look-alike neighbours fall into different folds: each name is
        # matched against a library holding its neighbours but not itself.
        queries = names[fold::FOLDS]
        library = [n for i, n in enumerate(names) if i % FOLDS != fold]
        for written, match in zip(
            queries, _library(reference, library).match_many(queries), strict=True
        ):
            if match is not None and match.how != "possible" and not _same(written, match.target):
                false_merges.append((written, match.target, match.how))
    real = ProductMatcher(reference)
    for written, match in zip(names, real.match_many(names), strict=True):
        if match is not None and match.how == "fuzzy" and not _same(written, match.target):
            false_merges.append((written, match.target, match.how))
    assert false_merges == []


@pytest.mark.parametrize(("one", "other"), LOOK_ALIKES)
def test_look_alike_products_are_never_merged(reference: Reference, one: str, other: str) -> None:
    for known, written in ((one, other), (other, one)):
        match = _library(reference, [known, "Unrelated Product"]).match(written)
        assert match is None or match.how == "possible", (written, match)
        assert not tokens_agree(written, known)
        assert similar_names([written], [known], agreeing=True) == []


def _variants(name: str) -> dict[str, str]:
    words = name.split()
    variants = {"case": name.upper(), "edition": f"{name} Enterprise", "spacing": f" {name}  "}
    if len(words) == 2:
        variants["word order"] = f"{words[1]} {words[0]}"
        variants["joined"] = "".join(words)
    long_words = [w for w in words if len(w) >= 9 and w.isalpha()]
    if len(words) >= 2 and long_words:
        word = long_words[0]
        variants["typo"] = name.replace(word, word[:4] + word[5:], 1)
    return variants


def test_recall_of_common_misspellings_is_reported(reference: Reference) -> None:
    matcher = ProductMatcher(reference)
    found: dict[str, list[bool]] = {}
    for product in reference.products:
        for kind, written in _variants(product.name).items():
            match = matcher.match(written)
            right = match is not None and match.how != "possible" and match.target == product.name
            found.setdefault(kind, []).append(right)
    recall = {kind: sum(hits) / len(hits) for kind, hits in found.items()}
    print("recall by kind of misspelling:", {k: f"{v:.1%}" for k, v in sorted(recall.items())})
    assert recall["case"] == 1.0 and recall["spacing"] == 1.0
    assert recall["edition"] >= 0.95
    assert recall["joined"] >= 0.9 and recall["word order"] >= 0.9
    assert recall["typo"] >= 0.6


def test_either_half_of_a_renamed_product_resolves(reference: Reference) -> None:
    matcher = ProductMatcher(reference)
    for written in ("Pardot (Marketing Cloud Account Engagement)", "SFMC (ExactTarget)"):
        match = matcher.match(written)
        assert match is not None and match.how == "alias", written
    # Halves naming two different products are not guessed between.
    found = matcher.match("Pardot (Marketo)")
    assert found is None or found.how == "possible"


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab cé\u00a0\u3000\t1-_.Z"), max_size=24),
    st.text(alphabet=st.sampled_from("ab cé\u00a0\u3000\t1-_.Z"), max_size=24),
)
def test_a_ratio_of_sorted_words_is_the_token_sort_ratio(left: str, right: str) -> None:
    # The fuzzy pass scores names by their words sorted once each, not per pair: the scores
    # must be token_sort_ratio's, whatever the spacing, punctuation or letters.
    a, b = utils.default_process(left), utils.default_process(right)
    assert fuzz.ratio(sorted_words(a), sorted_words(b)) == fuzz.token_sort_ratio(a, b)


def test_a_few_names_match_as_a_large_batch_does(
    reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A team's sheet is searched name by name (no numpy), a large one in one native pass:
    # the same names must get the same answers either way, near the cutoff too.
    from stackmap.importers import matching

    names = [n for n in _names()[::7] if len(n) >= matching.MIN_FUZZY_LENGTH][:300]
    written = [n[:-1] + "x" for n in names] + [n.upper() + " Pro" for n in names]
    # 79.5% alike: rounded it would be 80, SUGGEST, but a score under the cutoff is dropped.
    near = "a" * 33 + "b" * 9
    matcher = _library(reference, [*names, "a" * 33 + "c" * 8])
    assert fuzz.ratio(near, "a" * 33 + "c" * 8) < matching.SUGGEST
    batch = [*written, near]
    queries = [sorted_words(utils.default_process(n)) for n in batch]
    monkeypatch.setattr(matching, "FEW_NAMES", len(batch))
    one_by_one = matcher.match_many(batch), matcher._candidates(queries)
    monkeypatch.setattr(matching, "FEW_NAMES", 0)
    together = matcher.match_many(batch), matcher._candidates(queries)
    assert one_by_one == together
    assert len(batch) - 1 not in one_by_one[1]  # the near one: no candidate
    assert sum(m is not None for m in one_by_one[0]) > len(names) // 2  # answers compared
