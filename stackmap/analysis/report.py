"""The whole analysis of a stack in one object, and its documented JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from stackmap.analysis.coverage import Coverage, Gap, coverage
from stackmap.analysis.graph import StackGraph
from stackmap.analysis.health import (
    FragileLink,
    Hub,
    Island,
    Silo,
    SinglePoint,
    Unowned,
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
from stackmap.analysis.recommend import Evidence, Recommendation, recommendations
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

    @property
    def at_stake(self) -> Decimal:
        return sum((o.at_stake for o in self.overlaps), Decimal(0))

    @property
    def wasted(self) -> Decimal:
        """Idle per-seat licences a year (known pricing and cost only)."""
        return sum((u.wasted for u in self.underutilized if u.wasted), Decimal(0))

    @property
    def possible_waste(self) -> Decimal:
        """What idle seats would cost where the pricing model is not recorded, if per seat."""
        return sum((u.if_per_seat for u in self.underutilized if u.if_per_seat), Decimal(0))

    @property
    def renewals_due(self) -> int:
        """Renewals with a decision still ahead: the one count every view shows."""
        return sum(1 for r in self.renewals if r.due)

    @property
    def plan_savings(self) -> Decimal | None:
        """What the suggested plan saves a year once the contracts let go (None: unknown)."""
        return self.plan.annual_savings if self.plan else Decimal(0)

    def to_json(self) -> dict[str, Any]:
        """Return the documented JSON object of `stackmap analyze --json` (see README)."""
        cov = self.coverage
        return {
            "as_of": self.as_of,
            "currency": self.currency,
            "tools_in_use": self.tools_in_use,
            "tools_total": self.tools_total,
            "outside_marketing": plain(self.set_aside),
            "summary": {
                "annual_spend": plain(self.spend.total),
                "annual_spend_source": "the current contracts' terms",
                "overlap_at_stake": plain(self.at_stake),
                "unused_licences": plain(self.wasted),
                "unused_licences_if_per_seat": plain(self.possible_waste),
                "plan_savings": plain(self.plan_savings),
                "plan_savings_next_12_months": plain(
                    self.plan.savings_next_12_months if self.plan else None
                ),
                "renewals_due": self.renewals_due,
            },
            "overlaps": plain(self.overlaps),
            "partial_overlaps": plain(self.partial_overlaps),
            "gaps": plain(self.gaps),
            "coverage": {
                "required_share": round(cov.required_share, 3),
                "areas": [
                    {
                        **plain(a),
                        "share": round(a.share, 3),
                        "required_share": round(a.required_share, 3),
                    }
                    for a in cov.areas
                ],
                "capabilities": plain(cov.capabilities),
                "single_provider": plain(cov.single_provider),
                "journey": plain(cov.journey),
                "journey_sides": cov.journey_sides,
                "journey_gaps": plain(cov.journey_gaps),
            },
            "silos": plain(self.silos),
            "hubs": plain(self.hubs),
            "single_points_of_failure": plain(self.single_points_of_failure),
            "islands": plain(self.islands),
            "fragile_integrations": plain(self.fragile_integrations),
            "unowned": plain(self.unowned),
            "renewals": plain(self.renewals),
            "contract_checks": plain(self.contract_checks),
            "underutilized": plain(self.underutilized),
            "spend": plain(self.spend),
            "spend_vs_contract": {
                "source": "finance spend reports (`import --spend`), latest period per tool",
                "tools_reached": self.invoices.reports,
                "compared": plain(self.invoices.compared),
                "invoices_without_contract": plain(self.invoices.invoices_without_contract),
                "contracts_without_invoices": plain(self.invoices.contracts_without_invoices),
                "untied_suppliers": plain(self.invoices.untied),
            },
            "recommendations": plain(self.recommendations),
            "plan": plain(self.plan),
            "maturity": plain(self.maturity),
        }


def plain(value: Any) -> Any:
    """Return a finding (a dataclass, or a list or mapping of them) as JSON-ready data.

    Field by field rather than dataclasses.asdict, which deep-copies every value first and is
    several times slower on 20,000-tool results.
    """
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    return jsonable(value)


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def analyze(stack: Stack, graph: StackGraph | None = None) -> Analysis:
    """Run every analysis over the tools in use."""
    with bulk_work():
        return _analyze(stack, graph or StackGraph.of(stack))


def _analyze(stack: Stack, graph: StackGraph) -> Analysis:
    # Coverage, overlap, gaps, recommendations and maturity are about marketing: systems
    # outside it (HR, finance, security…) stay in the money and integration views only.
    marketing = StackGraph.of(stack, stack.marketing_tools) if stack.outside_marketing else graph
    cov = coverage(stack, marketing)
    groups = overlaps(stack, marketing)
    points = single_points_of_failure(stack, graph)
    found_hubs = hubs(stack, graph)
    evidence = Evidence({p.tool: p.cut_off for p in points}, frozenset(h.tool for h in found_hubs))
    advice = recommendations(stack, marketing, groups, evidence)
    return Analysis(
        as_of=stack.today.isoformat(),
        currency=stack.base_currency,
        tools_in_use=len(graph.tools),
        tools_total=len(stack.tools),
        overlaps=tuple(groups),
        gaps=cov.gaps,
        coverage=cov,
        silos=tuple(silos(stack, graph)),
        hubs=tuple(found_hubs),
        single_points_of_failure=tuple(points),
        islands=tuple(islands(stack, graph)),
        fragile_integrations=tuple(fragile_links(stack, graph)),
        unowned=tuple(unowned(stack, graph)),
        renewals=tuple(renewals(stack, graph)),
        underutilized=tuple(underused(stack, graph)),
        spend=spend(stack, graph),
        recommendations=tuple(advice),
        maturity=maturity(stack, marketing, cov),
        set_aside=tuple(_set_aside(stack)),
        invoices=invoice_check(stack, graph),
        partial_overlaps=tuple(partial_overlaps(stack, marketing)),
        plan=plan(stack, marketing, advice),
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
