"""The reference model: capability areas, the landscape taxonomy, the product library, journey
stages and maturity stages, loaded from YAML files and validated.

The defaults ship in the repo's `catalog/` folder (inside the wheel as `stackmap/_reference`).
A user's reference directory may hold any of the same files: by default its entries extend the
defaults (an entry with the same slug or name replaces the shipped one); a file whose top level
says `replace: true` replaces the shipped file entirely.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, cast

from annotated_types import Ge, Interval
from platformdirs import user_config_dir

from stackmap.domain import name_key
from stackmap.errors import ReferenceDataError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

ENV_REFERENCE = "STACKMAP_REFERENCE_DIR"
E = TypeVar("E")
FILES = (
    "capabilities.yaml",
    "categories.yaml",
    "products.yaml",
    "journey.yaml",
    "maturity.yaml",
    "analysis.yaml",
    "suppliers.yaml",
)

# The model's entries are plain frozen dataclasses, validated by pydantic when the files are
# parsed (see _adapter): the parsed model is usually served from the cache, and a command that
# reads it then loads no pydantic (about a tenth of a second of every such command's start).
# Their constraints are annotated_types markers, which pydantic enforces; `forbid` makes a
# misspelt key an error instead of a silently ignored one.
_STRICT = {"extra": "forbid"}
Share = Annotated[float, Interval(ge=0, le=1)]


@dataclass(frozen=True)
class Capability:
    __pydantic_config__ = _STRICT
    slug: str
    name: str
    description: str
    required: bool = False
    # So broad that sharing it says little about two tools doing the same job.
    generic: bool = False


@dataclass(frozen=True)
class Area:
    __pydantic_config__ = _STRICT
    slug: str
    name: str
    description: str
    capabilities: tuple[Capability, ...]


@dataclass(frozen=True)
class Subcategory:
    __pydantic_config__ = _STRICT
    slug: str
    name: str
    capabilities: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # what teams write in their own "category" columns
    # False for systems outside marketing (HR, finance, security, IT, engineering): kept in the
    # inventory and the money views, left out of marketing coverage, overlap and gaps.
    marketing: bool = True


@dataclass(frozen=True)
class Category:
    __pydantic_config__ = _STRICT
    slug: str
    name: str
    subcategories: tuple[Subcategory, ...]


@dataclass(frozen=True)
class Product:
    __pydantic_config__ = _STRICT
    name: str
    vendor: str
    category: str
    capabilities: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    website: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class SupplierAlias:
    """A name a supplier goes by on invoices, and the vendor it is."""

    __pydantic_config__ = _STRICT
    name: str
    vendor: str


@dataclass(frozen=True)
class JourneyStage:
    __pydantic_config__ = _STRICT
    slug: str
    name: str
    side: Literal["acquisition", "expansion"]
    description: str
    # Capabilities that serve this stage: a tool serves a stage when people recorded it, or
    # when it provides one of these.
    capabilities: tuple[str, ...] = ()
    # A stage no tool serves is a journey gap unless this is False.
    required: bool = True


@dataclass(frozen=True)
class MaturityEvidence:
    """One thing a stage needs to see in the stack: any of these capabilities in use."""

    __pydantic_config__ = _STRICT
    what: str  # in words: "data hygiene (data quality or enrichment)"
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class MaturitySignals:
    __pydantic_config__ = _STRICT
    min_required_coverage: Share
    # Share of tools in use with at least one automated, documented, working link.
    min_integrated_share: Share
    needs: tuple[MaturityEvidence, ...] = ()
    # Every stage on the expansion side of the journey is served by a tool.
    expansion_served: bool = False
    # Near-real-time (real-time or hourly) automated links reach both sides of the journey.
    realtime_both_sides: bool = False


@dataclass(frozen=True)
class MaturityStage:
    __pydantic_config__ = _STRICT
    slug: str
    level: int
    name: str
    summary: str
    stack_traits: tuple[str, ...]
    signals: MaturitySignals


@dataclass(frozen=True)
class CurrencySettings:
    __pydantic_config__ = _STRICT
    base: str = "USD"  # an ISO 4217 code (checked by _settings)
    # What one unit of each currency is worth in the base currency.
    rates: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class OverlapSettings:
    __pydantic_config__ = _STRICT
    # Kept so older settings files still load; overlap is by main job now (see overlap.py).
    min_similarity: Annotated[float, Interval(gt=0, le=1)] = 0.5
    min_shared: Annotated[int, Ge(1)] = 1


@dataclass(frozen=True)
class RenewalSettings:
    __pydantic_config__ = _STRICT
    horizon_days: Annotated[int, Ge(1)] = 120
    urgent_days: Annotated[int, Ge(0)] = 30
    # The buckets renewals are sorted into, in days to the decision; the horizon is the last.
    windows: tuple[int, ...] = (30, 60, 90)


@dataclass(frozen=True)
class HubSettings:
    __pydantic_config__ = _STRICT
    top: Annotated[int, Ge(1)] = 10
    min_links: Annotated[int, Ge(1)] = 3


WEIGHTS = {
    "value": ("criticality", "reach", "data", "uniqueness", "utilisation"),
    "fit": ("link_health", "ownership"),
    "keeper": ("coverage", "integrations", "utilisation", "commitment", "cost"),
}


@dataclass(frozen=True)
class RecommendationSettings:
    __pydantic_config__ = _STRICT
    value_weights: dict[str, float] = field(
        default_factory=lambda: {
            "criticality": 0.3,
            "reach": 0.15,
            "data": 0.1,
            "uniqueness": 0.25,
            "utilisation": 0.2,
        }
    )
    fit_weights: dict[str, float] = field(
        default_factory=lambda: {"link_health": 0.6, "ownership": 0.4}
    )
    threshold: Share = 0.5
    links_for_full_fit: Annotated[int, Ge(1)] = 4
    keeper_weights: dict[str, float] = field(
        default_factory=lambda: {
            "coverage": 0.35,
            "integrations": 0.25,
            "utilisation": 0.2,
            "commitment": 0.1,
            "cost": 0.1,
        }
    )


@dataclass(frozen=True)
class AnalysisSettings:
    """Thresholds, currency rates and scoring weights of the analysis (analysis.yaml)."""

    __pydantic_config__ = _STRICT
    currency: CurrencySettings = field(default_factory=CurrencySettings)
    overlap: OverlapSettings = field(default_factory=OverlapSettings)
    underused_below: Annotated[float, Interval(gt=0, le=1)] = 0.6
    renewals: RenewalSettings = field(default_factory=RenewalSettings)
    hubs: HubSettings = field(default_factory=HubSettings)
    recommendations: RecommendationSettings = field(default_factory=RecommendationSettings)


@dataclass(frozen=True)
class Reference:
    """The loaded, validated reference model, with lookups by slug and by product name."""

    areas: tuple[Area, ...]
    categories: tuple[Category, ...]
    products: tuple[Product, ...]
    journey: tuple[JourneyStage, ...]
    maturity: tuple[MaturityStage, ...]
    settings: AnalysisSettings = field(default_factory=AnalysisSettings)
    sources: tuple[Path, ...] = field(default=())
    suppliers: tuple[SupplierAlias, ...] = ()

    @cached_property
    def capabilities(self) -> dict[str, Capability]:
        """Every capability by slug."""
        return {c.slug: c for a in self.areas for c in a.capabilities}

    @cached_property
    def area_of(self) -> dict[str, str]:
        """The area slug of each capability slug."""
        return {c.slug: a.slug for a in self.areas for c in a.capabilities}

    @cached_property
    def area_rank(self) -> dict[str, int]:
        """Each area slug's place in the model's order (ties between areas go to the first)."""
        return {a.slug: i for i, a in enumerate(self.areas)}

    @cached_property
    def subcategories(self) -> dict[str, Subcategory]:
        """Every landscape subcategory by slug."""
        return {s.slug: s for c in self.categories for s in c.subcategories}

    @cached_property
    def category_of(self) -> dict[str, str]:
        """The top-level category name of each subcategory slug."""
        return {s.slug: c.name for c in self.categories for s in c.subcategories}

    @cached_property
    def required_capabilities(self) -> tuple[str, ...]:
        """Slugs of the capabilities a stack is expected to cover (the default gap set)."""
        return tuple(c.slug for a in self.areas for c in a.capabilities if c.required)

    @cached_property
    def capability_weight(self) -> dict[str, float]:
        """How specific each capability is: rare in the product library weighs more (inverse
        document frequency, smoothed), and a generic one weighs a quarter. Two tools sharing a
        rare capability are far likelier to do the same job than two sharing a common one."""
        products = len(self.products)
        counts: dict[str, int] = {}
        for product in self.products:
            for slug in set(product.capabilities):
                counts[slug] = counts.get(slug, 0) + 1
        return {
            slug: (math.log((products + 1) / (counts.get(slug, 0) + 1)) + 1.0)
            * (0.25 if capability.generic else 1.0)
            for slug, capability in self.capabilities.items()
        }

    def job_capability(self, category: str | None, capabilities: Iterable[str]) -> str | None:
        """The capability a tool is mainly bought for, when it can be told: the first of its
        category's capabilities that it has, else its only capability. None when a tool has
        several capabilities and no category says which is its job."""
        known = [c for c in capabilities if c in self.area_of]
        sub = self.subcategories.get(category or "")
        if sub is not None:
            for capability in sub.capabilities:
                if capability in known:
                    return capability
        return known[0] if len(set(known)) == 1 else None

    @cached_property
    def _product_index(self) -> dict[str, Product]:
        index: dict[str, Product] = {}
        for product in self.products:
            for name in (product.name, *product.aliases):
                index[name_key(name)] = product
        return index

    def product(self, name: str) -> Product | None:
        """Return the library product with this name or alias (any case), or None."""
        return self._product_index.get(name_key(name))

    def is_marketing(self, category: str | None) -> bool:
        """False when a tool's category is one outside marketing; True otherwise (unknown too)."""
        sub = self.subcategories.get(category or "")
        return sub is None or sub.marketing

    def capability_slug(self, text: str) -> str | None:
        """Return the capability slug matching a slug or a display name (any case), or None."""
        wanted = name_key(text).replace(" ", "-")
        if wanted in self.capabilities:
            return wanted
        for capability in self.capabilities.values():
            if name_key(capability.name) == name_key(text):
                return capability.slug
        return None

    @cached_property
    def _subcategory_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for sub in self.subcategories.values():
            for name in (sub.slug, sub.name, *sub.aliases):
                index.setdefault(name_key(name), sub.slug)
        return index

    def subcategory_slug(self, text: str) -> str | None:
        """Return the subcategory a slug, display name or alias (any case) names, or None."""
        if text in self.subcategories:
            return text
        return self._subcategory_index.get(name_key(text))


def default_reference_dir() -> Path:
    """Return the folder of the shipped reference files (wheel copy, else the repo's catalog/)."""
    packaged = Path(__file__).resolve().parent / "_reference"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "catalog"


def user_reference_dir() -> Path:
    """Return the per-user folder whose reference files, when present, extend the defaults."""
    return Path(user_config_dir("stackmap", appauthor=False)) / "reference"


def reference_dirs(extra: Sequence[Path] = ()) -> list[Path]:
    """Return the folders to load, defaults first, each later one extending the earlier."""
    dirs = [default_reference_dir()]
    if user_reference_dir().is_dir():
        dirs.append(user_reference_dir())
    env = os.environ.get(ENV_REFERENCE)
    if env:
        dirs.append(Path(env))
    dirs.extend(extra)
    return dirs


def load_reference(extra: Sequence[Path] = ()) -> Reference:
    """Load and validate the reference model from the default files and any extra folders.

    Raises ReferenceDataError naming the file and the entry at fault.
    """
    from stackmap.cache import cached, key_of

    dirs = reference_dirs(extra)
    for directory in dirs[1:]:
        if not directory.is_dir():
            raise ReferenceDataError(f"{directory}: reference directory not found")
    # Parsing and validating the 700-product library is a fifth of a second: every command and
    # the TUI's start would pay it. The cache is keyed on the files' bytes.
    # "reference-2": the model's entries became dataclasses; an entry pickled from the old
    # pydantic models must not be read into them.
    key = key_of("reference-2", (d / f for d in dirs for f in FILES))
    return cached(key, lambda: _load(dirs))


def _load(dirs: list[Path]) -> Reference:
    merged: dict[str, dict[str, Any]] = {}
    for directory in dirs:
        for filename in FILES:
            path = directory / filename
            if path.is_file():
                merged[filename] = _merge_file(merged.get(filename), _read_yaml(path), filename)
    missing = [f for f in FILES if f not in merged]
    if missing:
        raise ReferenceDataError(f"{dirs[0]}: reference file(s) missing: {', '.join(missing)}")
    reference = Reference(
        areas=_entries(Area, merged, "capabilities.yaml", "areas"),
        categories=_entries(Category, merged, "categories.yaml", "categories"),
        products=_entries(Product, merged, "products.yaml", "products"),
        journey=_entries(JourneyStage, merged, "journey.yaml", "stages"),
        maturity=_entries(MaturityStage, merged, "maturity.yaml", "stages"),
        settings=_settings(merged["analysis.yaml"]),
        sources=tuple(dirs),
        suppliers=_entries(SupplierAlias, merged, "suppliers.yaml", "suppliers"),
    )
    problems = validate(reference)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ReferenceDataError(f"reference data inconsistent: {problems[0]}{more}")
    return reference


def validate(reference: Reference) -> list[str]:
    """Return every inconsistency in the reference model, as sentences; empty when sound."""
    problems: list[str] = []
    problems += _duplicates("capability", (c.slug for a in reference.areas for c in a.capabilities))
    problems += _duplicates("area", (a.slug for a in reference.areas))
    problems += _duplicates(
        "subcategory", (s.slug for c in reference.categories for s in c.subcategories)
    )
    problems += _duplicates(
        "subcategory alias",
        (name_key(a) for c in reference.categories for s in c.subcategories for a in s.aliases),
    )
    problems += _duplicates("journey stage", (s.slug for s in reference.journey))
    problems += _duplicates("maturity stage", (s.slug for s in reference.maturity))
    problems += _duplicates("product name", (name_key(p.name) for p in reference.products))
    problems += _duplicates(
        "product name or alias",
        (
            name_key(n)
            for p in reference.products
            for n in {name_key(x) for x in (p.name, *p.aliases)}
        ),
    )
    for product in reference.products:
        own = [name_key(n) for n in (product.name, *product.aliases)]
        if len(own) != len(set(own)):
            problems.append(f"product {product.name} repeats its own name or an alias")
    known = reference.capabilities
    for sub in reference.subcategories.values():
        if not sub.capabilities and sub.marketing:
            problems.append(f"subcategory {sub.slug} maps to no capability")
        problems += [
            f"subcategory {sub.slug} maps to unknown capability {c}"
            for c in sub.capabilities
            if c not in known
        ]
    for product in reference.products:
        if product.category not in reference.subcategories:
            problems.append(f"product {product.name} has unknown category {product.category}")
        problems += [
            f"product {product.name} has unknown capability {c}"
            for c in product.capabilities
            if c not in known
        ]
    vendors = {name_key(p.vendor) for p in reference.products}
    problems += [
        f"supplier {s.name} names vendor {s.vendor}, which no product has"
        for s in reference.suppliers
        if name_key(s.vendor) not in vendors
    ]
    for stage in reference.journey:
        problems += [
            f"journey stage {stage.slug} maps to unknown capability {c}"
            for c in stage.capabilities
            if c not in known
        ]
    weights = reference.settings.recommendations
    for label, given, allowed in (
        ("value_weights", weights.value_weights, WEIGHTS["value"]),
        ("fit_weights", weights.fit_weights, WEIGHTS["fit"]),
        ("keeper_weights", weights.keeper_weights, WEIGHTS["keeper"]),
    ):
        problems += [
            f"analysis.yaml: recommendations.{label} has unknown weight {k!r} "
            f"(use {', '.join(allowed)})"
            for k in given
            if k not in allowed
        ]
    currencies = reference.settings.currency.rates
    problems += [
        f"analysis.yaml: the rate of {code} must be a positive number"
        for code, rate in currencies.items()
        if rate <= 0
    ]
    for maturity_stage in reference.maturity:
        problems += [
            f"maturity stage {maturity_stage.slug} needs unknown capability {c}"
            for need in maturity_stage.signals.needs
            for c in need.any_of
            if c not in known
        ]
    levels = [s.level for s in reference.maturity]
    if levels != sorted(levels):
        problems.append("maturity stages are not in ascending level order")
    return problems


def _duplicates(what: str, values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for value in values:
        if value in seen:
            problems.append(f"{what} {value!r} appears more than once")
        seen.add(value)
    return problems


def _read_yaml(path: Path) -> dict[str, Any]:
    # PyYAML loads only when the files are parsed: the parsed model is usually cached
    # (stackmap.cache), and a command that reads the cache saves its import.
    import yaml

    # libyaml parses the 700-product library about ten times faster than the pure-Python one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ReferenceDataError(f"{path}: {problem}{where}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReferenceDataError(f"{path}: cannot read reference file: {detail}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{path}: expected a mapping at the top level")
    return data


# How each file's entries are identified when a user file extends the shipped one.
_LISTS: dict[str, tuple[str, str, str | None, str | None]] = {
    "capabilities.yaml": ("areas", "slug", "capabilities", "slug"),
    "categories.yaml": ("categories", "slug", "subcategories", "slug"),
    "products.yaml": ("products", "name", None, None),
    "journey.yaml": ("stages", "slug", None, None),
    "maturity.yaml": ("stages", "slug", None, None),
    "suppliers.yaml": ("suppliers", "name", None, None),
}


_ADAPTERS: dict[type, Any] = {}


def _adapter(model: type[E]) -> TypeAdapter[E]:
    """pydantic's validator for one of the model's dataclasses, built when files are parsed."""
    found = _ADAPTERS.get(model)
    if found is None:
        from pydantic import TypeAdapter

        found = _ADAPTERS[model] = TypeAdapter(model)
    return cast("TypeAdapter[E]", found)


def _settings(raw: dict[str, Any]) -> AnalysisSettings:
    from pydantic import ValidationError

    try:
        settings = _adapter(AnalysisSettings).validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ReferenceDataError(f"analysis.yaml: {where}: {first['msg']}") from exc
    if not re.fullmatch(r"[A-Z]{3}", settings.currency.base):
        raise ReferenceDataError(
            f"analysis.yaml: currency.base: {settings.currency.base!r} is not a three-letter "
            "currency code like USD"
        )
    return settings


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        merged[key] = (
            _deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return merged


def _merge_file(
    base: dict[str, Any] | None, extra: dict[str, Any], filename: str
) -> dict[str, Any]:
    if base is None or extra.get("replace") is True:
        return {k: v for k, v in extra.items() if k != "replace"}
    if filename == "analysis.yaml":  # settings: a user file changes only the keys it names
        return _deep_merge(base, extra)
    list_key, id_key, child_key, child_id = _LISTS[filename]
    merged = dict(base)
    merged[list_key] = _merge_list(
        base.get(list_key) or [], extra.get(list_key) or [], id_key, child_key, child_id
    )
    return merged


def _merge_list(
    base: list[Any], extra: list[Any], id_key: str, child_key: str | None, child_id: str | None
) -> list[Any]:
    def ident(entry: Any) -> str:
        return name_key(str(entry.get(id_key, ""))) if isinstance(entry, dict) else ""

    result = list(base)
    position = {ident(e): i for i, e in enumerate(result)}
    for entry in extra:
        i = position.get(ident(entry))
        if i is None:
            position[ident(entry)] = len(result)
            result.append(entry)
        elif child_key and child_id and isinstance(entry, dict) and child_key in entry:
            old = result[i]
            children = _merge_list(old.get(child_key) or [], entry[child_key], child_id, None, None)
            result[i] = {**old, **entry, child_key: children}
        else:
            result[i] = entry
    return result


def _entries(
    model: type[E], merged: dict[str, dict[str, Any]], filename: str, key: str
) -> tuple[E, ...]:
    value = merged[filename].get(key)
    if not isinstance(value, list):
        raise ReferenceDataError(f"{filename}: expected a list under {key!r}")
    from pydantic import ValidationError

    adapter = _adapter(model)
    entries = []
    for number, raw in enumerate(value, 1):
        try:
            entries.append(adapter.validate_python(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            label = raw.get("slug") or raw.get("name") if isinstance(raw, dict) else None
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise ReferenceDataError(
                f"{filename}: {key} entry {number}"
                + (f" ({label})" if label else "")
                + f": {where}: {first['msg']}"
            ) from exc
    return tuple(entries)
