"""The shipped reference model loads, is consistent, and users can extend or replace it."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackmap.domain import name_key
from stackmap.errors import ReferenceDataError
from stackmap.reference import Reference, default_reference_dir, load_reference, validate


def test_the_shipped_reference_model_has_no_inconsistency(reference: Reference) -> None:
    assert validate(reference) == []


def test_the_five_capability_areas_of_marketing_operations_are_present(
    reference: Reference,
) -> None:
    assert [a.slug for a in reference.areas] == [
        "technology",
        "data-management",
        "measurement",
        "process",
        "execution",
    ]
    assert all(len(a.capabilities) >= 5 for a in reference.areas)
    assert all(c.description for c in reference.capabilities.values())


def test_well_known_capabilities_exist_and_some_are_required(reference: Reference) -> None:
    for slug in (
        "email-marketing",
        "marketing-automation",
        "crm",
        "cdp",
        "web-analytics",
        "attribution",
        "dashboards",
        "tag-management",
        "ipaas",
        "consent-management",
        "data-enrichment",
        "lead-management",
        "project-management",
        "budgeting",
        "dam",
        "cms",
        "ab-testing",
        "webinars-events",
        "social-media-management",
        "seo",
        "search-social-advertising",
    ):
        assert slug in reference.capabilities, slug
    assert "crm" in reference.required_capabilities
    assert "cdp" not in reference.required_capabilities


def test_the_landscape_has_six_categories_and_forty_nine_subcategories(
    reference: Reference,
) -> None:
    assert [c.name for c in reference.categories] == [
        "Advertising & Promotion",
        "Content & Experience",
        "Social & Relationships",
        "Commerce & Sales",
        "Data",
        "Management",
        "Outside marketing",
    ]
    landscape = [s for c in reference.categories[:6] for s in c.subcategories]
    assert len(landscape) == 49
    # Systems outside marketing are recognised so they can be set aside, never analysed as
    # marketing tools; the landscape's Talent Management is not a marketing capability either.
    outside = [s.slug for s in reference.subcategories.values() if not s.marketing]
    assert outside == [
        "talent-management",
        "hr-people",
        "finance-accounting",
        "security-identity",
        "it-operations",
        "engineering-devtools",
        "legal",
    ]
    assert reference.subcategory_slug("Applicant tracking") == "hr-people"
    assert reference.subcategory_slug("Security") == "security-identity"


def test_every_subcategory_maps_to_existing_capabilities(reference: Reference) -> None:
    for sub in reference.subcategories.values():
        assert sub.capabilities or not sub.marketing, sub.slug
        assert set(sub.capabilities) <= set(reference.capabilities), sub.slug


def test_the_product_library_has_over_300_products_with_unique_names_and_aliases(
    reference: Reference,
) -> None:
    assert len(reference.products) >= 300
    names = [name_key(n) for p in reference.products for n in {p.name, *p.aliases}]
    assert len(names) == len(set(names))
    for product in reference.products:
        assert product.category in reference.subcategories, product.name
        marketing = reference.is_marketing(product.category)
        assert product.capabilities or not marketing, product.name
        assert set(product.capabilities) <= set(reference.capabilities), product.name


@pytest.mark.parametrize(
    ("alias", "product"),
    [
        ("SFMC", "Salesforce Marketing Cloud Engagement"),
        ("aem", "Adobe Experience Manager Sites"),
        ("MSD", "Microsoft Dynamics 365 Sales"),
        ("Pardot", "Marketing Cloud Account Engagement"),
        ("Sendinblue", "Brevo"),
        ("  google   ANALYTICS ", "Google Analytics 4"),
    ],
)
def test_aliases_people_use_resolve_to_the_product(
    reference: Reference, alias: str, product: str
) -> None:
    found = reference.product(alias)
    assert found is not None and found.name == product


def test_segment_derived_entries_are_credited_and_cleaned_of_connector_suffixes(
    reference: Reference,
) -> None:
    derived = [p for p in reference.products if p.source == "segment"]
    assert derived
    assert not [p.name for p in derived if "(Actions)" in p.name or p.name.endswith(" V2")]
    header = (default_reference_dir() / "products.yaml").read_text(encoding="utf-8")[:600]
    assert "CC BY 4.0" in header


def test_journey_stages_cover_acquisition_and_expansion(reference: Reference) -> None:
    sides = {s.side for s in reference.journey}
    assert sides == {"acquisition", "expansion"}


def test_maturity_stages_rise_in_level_with_stack_traits(reference: Reference) -> None:
    assert [s.level for s in reference.maturity] == [1, 2, 3, 4, 5]
    assert all(s.stack_traits for s in reference.maturity)


def test_a_user_reference_folder_extends_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "products.yaml").write_text(
        "products:\n"
        "  - {name: Acme Journeys, vendor: Acme, category: marketing-automation,"
        " capabilities: [marketing-automation], aliases: [AJ]}\n"
        "  - {name: Brevo, vendor: Brevo SAS, category: email-marketing,"
        " capabilities: [email-marketing], aliases: [Sendinblue]}\n",
        encoding="utf-8",
    )
    (tmp_path / "capabilities.yaml").write_text(
        "areas:\n  - slug: technology\n    capabilities:\n"
        "      - {slug: crm, name: CRM, description: Ours, required: false}\n",
        encoding="utf-8",
    )
    default = load_reference()
    extended = load_reference([tmp_path])
    assert len(extended.products) == len(default.products) + 1
    assert extended.product("aj").name == "Acme Journeys"  # type: ignore[union-attr]
    assert extended.product("Brevo").vendor == "Brevo SAS"  # type: ignore[union-attr]
    assert "crm" not in extended.required_capabilities


def test_a_user_file_saying_replace_replaces_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "journey.yaml").write_text(
        "replace: true\nstages:\n  - {slug: buy, name: Buy, side: acquisition, description: x}\n",
        encoding="utf-8",
    )
    assert [s.slug for s in load_reference([tmp_path]).journey] == ["buy"]


def test_an_unknown_capability_in_a_user_file_is_reported_by_name(tmp_path: Path) -> None:
    (tmp_path / "products.yaml").write_text(
        "products:\n  - {name: Acme, vendor: Acme, category: crm, capabilities: [telepathy]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="Acme has unknown capability telepathy"):
        load_reference([tmp_path])


def test_a_duplicate_alias_is_reported(tmp_path: Path) -> None:
    (tmp_path / "products.yaml").write_text(
        "products:\n  - {name: Acme, vendor: Acme, category: crm, capabilities: [crm],"
        " aliases: [SFMC]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="'sfmc' appears more than once"):
        load_reference([tmp_path])


def test_broken_yaml_names_the_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "journey.yaml").write_text("stages:\n  - {slug: a, name: b: c}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"journey.yaml: .* at line 2, column \d+"):
        load_reference([tmp_path])


def test_a_misspelt_field_is_reported_with_the_entry(tmp_path: Path) -> None:
    (tmp_path / "journey.yaml").write_text(
        "stages:\n  - {slug: a, name: A, side: acquisition, descripton: typo}\n", encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError, match=r"journey.yaml: stages entry \d+ \(a\)"):
        load_reference([tmp_path])


def test_an_entry_out_of_its_bounds_is_reported_with_the_entry(tmp_path: Path) -> None:
    # The entries' constraints (a share between 0 and 1) hold when the files are parsed.
    (tmp_path / "maturity.yaml").write_text(
        "replace: true\nstages:\n  - {slug: s, level: 1, name: S, summary: x, stack_traits: [y],"
        " signals: {min_required_coverage: 1.5, min_integrated_share: 0}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ReferenceDataError,
        match=r"maturity.yaml: stages entry 1 \(s\): signals.min_required_coverage: Input should "
        "be less than or equal to 1",
    ):
        load_reference([tmp_path])


def test_a_missing_reference_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="not found"):
        load_reference([tmp_path / "nope"])


def test_analysis_settings_ship_with_defaults_and_a_user_file_changes_only_its_keys(
    tmp_path: Path,
) -> None:
    shipped = load_reference().settings
    assert shipped.currency.base == "USD" and shipped.currency.rates == {}
    (tmp_path / "analysis.yaml").write_text(
        "currency:\n  rates: {EUR: 1.08}\noverlap:\n  min_similarity: 0.7\n", encoding="utf-8"
    )
    settings = load_reference([tmp_path]).settings
    assert settings.currency.rates == {"EUR": 1.08}
    assert settings.currency.base == "USD"  # untouched keys keep the shipped value
    assert settings.overlap.min_similarity == 0.7
    assert settings.overlap.min_shared == shipped.overlap.min_shared


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("underused_below: 2\n", "analysis.yaml: underused_below"),
        ("recommendations:\n  value_weights: {luck: 1}\n", "unknown weight 'luck'"),
        ("currency:\n  rates: {EUR: -1}\n", "rate of EUR must be a positive number"),
        ("overlap:\n  min_similarity: 0.5\n  typo: 1\n", "analysis.yaml: overlap.typo"),
        ("hubs:\n  top: 0\n", "analysis.yaml: hubs.top: Input should be greater than or equal"),
        ("currency:\n  base: usd\n", "currency.base: 'usd' is not a three-letter currency code"),
        ("renewals:\n  horizon_days: soon\n", "analysis.yaml: renewals.horizon_days"),
    ],
)
def test_bad_analysis_settings_are_reported_by_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "analysis.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        load_reference([tmp_path])


def test_journey_stages_map_to_known_capabilities(reference: Reference) -> None:
    assert all(stage.capabilities for stage in reference.journey)
    assert not [
        c
        for stage in reference.journey
        for c in stage.capabilities
        if c not in reference.capabilities
    ]
