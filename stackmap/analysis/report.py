"""The whole analysis of a stack in one object, and its documented JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import orjson

from stackmap.analysis.coverage import Coverage, Gap, coverage
from stackmap.analysis.graph import StackGraph
from stackmap.analysis.health import (
    FragileLink,
    Hub,
    Island,
    Silo,
    SinglePoint,
    Unowned,
    fragile_count,
    fragile_links,
    hubs,
    islands,
    silos,
    single_points_of_failure,
    unowned,
)
from stackmap.analysis.invoices import InvoiceCheck, invoice_check
from stackmap.analysis.maturity import Maturity, maturity
from stackmap.analysis.overlap import Overlap, PartialOverlap, overlaps, partial_overlaps
from stackmap.analysis.plan import Plan, plan
from stackmap.analysis.recommend import Evidence, Recommendation, dispositions, recommendations
from stackmap.analysis.spend import (
    ContractCheck,
    Renewal,
    Spend,
    Underused,
    contract_checks,
    renewals,
    spend,
    underused,
)
from stackmap.analysis.stack import Stack
from stackmap.bulk import bulk_work
from stackmap.views import jsonable


@dataclass(frozen=True)
class Analysis:
    as_of: str
    currency: str
    tools_in_use: int
    tools_total: int
    overlaps: tuple[Overlap, ...]
    gaps: tuple[Gap, ...]
    coverage: Coverage
    silos: tuple[Silo, ...]
    hubs: tuple[Hub, ...]
    single_points_of_failure: tuple[SinglePoint, ...]
    islands: tuple[Island, ...]
    fragile_integrations: tuple[FragileLink, ...]
    unowned: tuple[Unowned, ...]
    renewals: tuple[Renewal, ...]
    underutilized: tuple[Underused, ...]
    spend: Spend
    recommendations: tuple[Recommendation, ...]
    maturity: Maturity
    set_aside: tuple[SetAside, ...] = ()  # tools outside marketing left out of its analyses
    invoices: InvoiceCheck = field(default_factory=lambda: InvoiceCheck((), (), (), 0))
    partial_overlaps: tuple[PartialOverlap, ...] = ()
    contract_checks: tuple[ContractCheck, ...] = ()
    plan: Plan | None = None

    @classmethod
    def of(cls, stack: Stack, graph: StackGraph, judged: Judged, measured: Measured) -> Analysis:
        """The analysis of stack from its two parts (see judge and measure)."""
        return cls(
            as_of=stack.today.isoformat(),
            currency=stack.base_currency,
            tools_in_use=len(graph.tools),
            tools_total=len(stack.tools),
            **{f.name: getattr(judged, f.name) for f in fields(Judged)},
            **{f.name: getattr(measured, f.name) for f in fields(Measured)},
        )

    @property
    def judged(self) -> Judged:
        return Judged(**{f.name: getattr(self, f.name) for f in fields(Judged)})

    @property
    def measured(self) -> Measured:
        return Measured(**{f.name: getattr(self, f.name) for f in fields(Measured)})

    @property
    def dispositions(self) -> dict[str, str]:
        """Each tool's disposition (a person's decision, else the suggestion), by name."""
        return {r.tool: r.disposition for r in self.recommendations}

    @property
    def fragile_count(self) -> int:
        return len(self.fragile_integrations)

    @property
    def at_stake(self) -> Decimal:
        return self.judged.at_stake

    @property
    def wasted(self) -> Decimal:
        """Idle per-seat licences a year (known pricing and cost only)."""
        return self.measured.wasted

    @property
    def possible_waste(self) -> Decimal:
        """What idle seats would cost where the pricing model is not recorded, if per seat."""
        return self.measured.possible_waste

    @property
    def renewals_due(self) -> int:
        """Renewals with a decision still ahead: the one count every view shows."""
        return self.measured.renewals_due

    @property
    def plan_savings(self) -> Decimal | None:
        """What the suggested plan saves a year once the contracts let go (None: unknown)."""
        return self.judged.plan_savings

    def to_json(self, *, raw: bool = False) -> dict[str, Any]:
        """Return the documented JSON object of `stackmap analyze --json` (see README).

        raw: leave the findings as dataclasses, for a writer that serialises them itself
        (orjson, in C); otherwise every value is plain JSON data.
        """
        return document(self.header(), self.judged.to_json(raw=raw), self.measured.to_json(raw=raw))

    def header(self) -> dict[str, Any]:
        """The document's members that come before the findings."""
        return header_of(self.as_of, self.currency, self.tools_in_use, self.tools_total)


def header_of(as_of: str, currency: str, tools_in_use: int, tools_total: int) -> dict[str, Any]:
    """The document's members that come before the findings."""
    return {
        "as_of": as_of,
        "currency": currency,
        "tools_in_use": tools_in_use,
        "tools_total": tools_total,
    }


# The documented order of `analyze --json`'s members, and of its summary's: the analysis's
# two parts each write some of them (see document).
_MEMBERS = (
    "as_of",
    "currency",
    "tools_in_use",
    "tools_total",
    "outside_marketing",
    "summary",
    "overlaps",
    "partial_overlaps",
    "gaps",
    "coverage",
    "silos",
    "hubs",
    "single_points_of_failure",
    "islands",
    "fragile_integrations",
    "unowned",
    "renewals",
    "contract_checks",
    "underutilized",
    "spend",
    "spend_vs_contract",
    "recommendations",
    "plan",
    "maturity",
)
_SUMMARY = (
    "annual_spend",
    "annual_spend_source",
    "overlap_at_stake",
    "unused_licences",
    "unused_licences_if_per_seat",
    "plan_savings",
    "plan_savings_next_12_months",
    "renewals_due",
)


def document(*parts: dict[str, Any]) -> dict[str, Any]:
    """The JSON document of `analyze --json` from the members its parts wrote (the header,
    Judged's and Measured's, each with some of the summary), in the documented order. A
    member missing, or written twice, is a KeyError: no part may leave one to chance."""
    members: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "summary":
                _add(summary, value)
            else:
                _add(members, {key: value})
    members["summary"] = {name: summary.pop(name) for name in _SUMMARY}
    result = {name: members.pop(name) for name in _MEMBERS}
    if members or summary:
        raise KeyError(f"undocumented members: {sorted([*members, *summary])}")
    return result


def _add(into: dict[str, Any], members: dict[str, Any]) -> None:
    for name, value in members.items():
        if name in into:
            raise KeyError(f"{name!r} written twice")
        into[name] = value


@dataclass(frozen=True)
class Judged:
    """The findings the recommendations rest on, the recommendations and the plan that
    follows from them: one chain, each needing the one before."""

    overlaps: tuple[Overlap, ...]
    hubs: tuple[Hub, ...]
    single_points_of_failure: tuple[SinglePoint, ...]
    recommendations: tuple[Recommendation, ...]
    plan: Plan | None

    @property
    def at_stake(self) -> Decimal:
        return sum((o.at_stake for o in self.overlaps), Decimal(0))

    @property
    def plan_savings(self) -> Decimal | None:
        return self.plan.annual_savings if self.plan else Decimal(0)

    def to_json(self, *, raw: bool = False) -> dict[str, Any]:
        """Its members of the analysis's JSON document (see Analysis.to_json)."""
        out = _as_is if raw else plain
        return {
            "summary": {
                "overlap_at_stake": out(self.at_stake),
                "plan_savings": out(self.plan_savings),
                "plan_savings_next_12_months": out(
                    self.plan.savings_next_12_months if self.plan else None
                ),
            },
            "overlaps": out(self.overlaps),
            "hubs": out(self.hubs),
            "single_points_of_failure": out(self.single_points_of_failure),
            "recommendations": out(self.recommendations),
            # The plan holds long nested lists (an exit per tool): as a mapping of its
            # fields, a streaming writer reaches those lists and writes them a run at a time,
            # where a whole dataclass is one piece (80 MB of text at 100,000 tools, held
            # twice while it is indented).
            "plan": (_fields if raw else plain)(self.plan),
        }


@dataclass(frozen=True)
class Measured:
    """Every other finding: coverage, structure, money, maturity. None of them needs the
    recommendations, nor do they need any of these, so the two parts can be worked out side
    by side."""

    set_aside: tuple[SetAside, ...]
    gaps: tuple[Gap, ...]
    coverage: Coverage
    silos: tuple[Silo, ...]
    islands: tuple[Island, ...]
    fragile_integrations: tuple[FragileLink, ...]
    unowned: tuple[Unowned, ...]
    renewals: tuple[Renewal, ...]
    underutilized: tuple[Underused, ...]
    spend: Spend
    maturity: Maturity
    invoices: InvoiceCheck
    partial_overlaps: tuple[PartialOverlap, ...]
    contract_checks: tuple[ContractCheck, ...]

    @property
    def wasted(self) -> Decimal:
        return sum((u.wasted for u in self.underutilized if u.wasted), Decimal(0))

    @property
    def possible_waste(self) -> Decimal:
        return sum((u.if_per_seat for u in self.underutilized if u.if_per_seat), Decimal(0))

    @property
    def renewals_due(self) -> int:
        return sum(1 for r in self.renewals if r.due)

    def to_json(self, *, raw: bool = False) -> dict[str, Any]:
        """Its members of the analysis's JSON document (see Analysis.to_json)."""
        out = _as_is if raw else plain
        cov = self.coverage
        return {
            "outside_marketing": out(self.set_aside),
            "summary": {
                "annual_spend": out(self.spend.total),
                "annual_spend_source": "the current contracts' terms",
                "unused_licences": out(self.wasted),
                "unused_licences_if_per_seat": out(self.possible_waste),
                "renewals_due": self.renewals_due,
            },
            "partial_overlaps": out(self.partial_overlaps),
            "gaps": out(self.gaps),
            "coverage": {
                "required_share": round(cov.required_share, 3),
                "areas": [
                    {
                        **plain(a),  # one small record per area, rounded below
                        "share": round(a.share, 3),
                        "required_share": round(a.required_share, 3),
                    }
                    for a in cov.areas
                ],
                "capabilities": out(cov.capabilities),
                "single_provider": out(cov.single_provider),
                "journey": out(cov.journey),
                "journey_sides": cov.journey_sides,
                "journey_gaps": out(cov.journey_gaps),
            },
            "silos": out(self.silos),
            "islands": out(self.islands),
            "fragile_integrations": out(self.fragile_integrations),
            "unowned": out(self.unowned),
            "renewals": out(self.renewals),
            "contract_checks": out(self.contract_checks),
            "underutilized": out(self.underutilized),
            # as a mapping of its fields, like the plan (see Judged.to_json)
            "spend": (_fields if raw else plain)(self.spend),
            "spend_vs_contract": {
                "source": "finance spend reports (`import --spend`), latest period per tool",
                "tools_reached": self.invoices.reports,
                "compared": out(self.invoices.compared),
                "invoices_without_contract": out(self.invoices.invoices_without_contract),
                "contracts_without_invoices": out(self.invoices.contracts_without_invoices),
                "untied_suppliers": out(self.invoices.untied),
            },
            "maturity": out(self.maturity),
        }


def plain(value: Any) -> Any:
    """Return a finding (a dataclass, or a list or mapping of them) as JSON-ready data:
    dataclasses as mappings of their fields, tuples as lists, dates as ISO text, money as a
    number.

    orjson walks the values in C (a 20,000-tool analysis is over a million of them: 2 s in
    Python, 0.2 s this way); what it does not know (money) goes through jsonable.
    """
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return orjson.loads(orjson.dumps(value, default=_unknown, option=orjson.OPT_NON_STR_KEYS))


def _as_is(value: Any) -> Any:
    return value


def _fields(value: Any) -> Any:
    """A dataclass as a mapping of its fields, themselves left as they are."""
    if value is None:
        return None
    return {f.name: getattr(value, f.name) for f in fields(value)}


def _unknown(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON data")
    return converted


def analyze(stack: Stack, graph: StackGraph | None = None) -> Analysis:
    """Run every analysis over the tools in use."""
    with bulk_work():
        return _analyze(stack, graph or StackGraph.of(stack))


@dataclass(frozen=True)
class MapFindings:
    """What the integration map draws: the structural findings, how many links are fragile,
    and each tool's disposition.

    The same values as the Analysis's of these names (its `fragile_count` and
    `dispositions`), worked out by the same code; the money, coverage, maturity and plan
    views, which the map does not show, are left out, and so are the sentences explaining
    each fragile link and each recommendation (about half the analysis's time on a
    20,000-tool stack)."""

    as_of: str
    silos: tuple[Silo, ...]
    hubs: tuple[Hub, ...]
    single_points_of_failure: tuple[SinglePoint, ...]
    fragile_count: int
    dispositions: dict[str, str]


def map_findings(stack: Stack, graph: StackGraph | None = None) -> MapFindings:
    """Work out what the integration map draws (see MapFindings)."""
    with bulk_work():
        graph = graph or StackGraph.of(stack)
        found = _Found.of(stack, graph)
        return MapFindings(
            as_of=stack.today.isoformat(),
            silos=tuple(silos(stack, graph)),
            hubs=tuple(found.hubs),
            single_points_of_failure=tuple(found.points),
            fragile_count=fragile_count(stack),
            dispositions=dispositions(stack, found.marketing, found.groups, found.evidence),
        )


@dataclass(frozen=True)
class _Found:
    """The findings the recommendations rest on, which both the analysis and the map need."""

    marketing: StackGraph
    groups: list[Overlap]
    points: list[SinglePoint]
    hubs: list[Hub]
    evidence: Evidence

    @classmethod
    def of(cls, stack: Stack, graph: StackGraph, marketing: StackGraph | None = None) -> _Found:
        marketing = marketing or marketing_graph(stack, graph)
        groups = overlaps(stack, marketing)
        points = single_points_of_failure(stack, graph)
        found_hubs = hubs(stack, graph)
        evidence = Evidence(
            {p.tool: p.cut_off for p in points}, frozenset(h.tool for h in found_hubs)
        )
        return cls(marketing, groups, points, found_hubs, evidence)


def _analyze(stack: Stack, graph: StackGraph) -> Analysis:
    marketing = marketing_graph(stack, graph)
    return Analysis.of(
        stack, graph, judge(stack, graph, marketing), measure(stack, graph, marketing)
    )


def marketing_graph(stack: Stack, graph: StackGraph) -> StackGraph:
    """The graph of the marketing tools in use: coverage, overlap, gaps, recommendations and
    maturity are about marketing; systems outside it (HR, finance, security…) stay in the
    money and integration views only."""
    return StackGraph.of(stack, stack.marketing_tools) if stack.outside_marketing else graph


def judge(stack: Stack, graph: StackGraph, marketing: StackGraph) -> Judged:
    """The analysis's chain of judgement (see Judged); marketing: marketing_graph's."""
    found = _Found.of(stack, graph, marketing)
    advice = recommendations(stack, marketing, found.groups, found.evidence)
    return Judged(
        overlaps=tuple(found.groups),
        hubs=tuple(found.hubs),
        single_points_of_failure=tuple(found.points),
        recommendations=tuple(advice),
        plan=plan(stack, marketing, advice),
    )


def measure(stack: Stack, graph: StackGraph, marketing: StackGraph) -> Measured:
    """Every finding outside the chain of judgement (see Measured)."""
    cov = coverage(stack, marketing)
    return Measured(
        set_aside=tuple(_set_aside(stack)),
        gaps=cov.gaps,
        coverage=cov,
        silos=tuple(silos(stack, graph)),
        islands=tuple(islands(stack, graph)),
        fragile_integrations=tuple(fragile_links(stack, graph)),
        unowned=tuple(unowned(stack, graph)),
        renewals=tuple(renewals(stack, graph)),
        underutilized=tuple(underused(stack, graph)),
        spend=spend(stack, graph),
        maturity=maturity(stack, marketing, cov),
        invoices=invoice_check(stack, graph),
        partial_overlaps=tuple(partial_overlaps(stack, marketing)),
        contract_checks=tuple(contract_checks(stack)),
    )


@dataclass(frozen=True)
class SetAside:
    """A tool in use that the marketing analyses leave out, and why."""

    tool: str
    category: str
    reason: str


def _set_aside(stack: Stack) -> list[SetAside]:
    names = stack.reference.subcategories
    result = []
    for tool in sorted(stack.outside_marketing, key=lambda t: t.name.casefold()):
        category = names[tool.category].name if tool.category in names else str(tool.category)
        result.append(
            SetAside(
                tool.name,
                category,
                f"{tool.name} is {category}, outside marketing: counted in spend, renewals and "
                "integrations, left out of coverage, overlap, gaps and recommendations "
                "(--all-tools counts it)",
            )
        )
    return result
