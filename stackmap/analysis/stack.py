"""The snapshot of a catalog the analysis works on, and each tool's cost in the base currency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from stackmap.domain import name_key
from stackmap.record import record
from stackmap.reference import Reference
from stackmap.terms import LAPSED, Position, position
from stackmap.text import listing
from stackmap.views import ContractView

IN_USE = ("active",)  # the statuses counted unless the user asks for more
LEAVING = "sunsetting"  # a status: still paid for, already on its way out
# How a link works decides how fragile it is: people copying data and file drops fail silently.
FRAGILE_METHODS = {
    "manual": "copied by hand: it stops when the person does",
    "file": "a file export and import: it fails silently when a file is late or malformed",
}


@record
class InvoicedFacts:
    """What a finance report says was paid one supplier for a tool over a period."""

    supplier: str
    currency: str | None
    amount: Decimal
    annual_amount: Decimal | None  # None: no stated method gives a yearly figure
    period_start: date
    period_end: date
    invoices: int
    annualised_by: str | None = None


@record
class UntiedFacts:
    """A martech-looking supplier a spend report paid that no tool in the catalog is tied to."""

    supplier: str
    currency: str | None
    amount: Decimal
    annual_amount: Decimal | None
    period_start: date
    period_end: date
    invoices: int
    status: str  # not_in_catalog, ambiguous or to_confirm
    reason: str


@record
class ToolFacts:
    """What the analysis needs to know about one tool."""

    id: int
    name: str
    status: str = "active"
    vendor: str | None = None
    category: str | None = None
    business_owner: str | None = None
    technical_owner: str | None = None
    capabilities: tuple[str, ...] = ()
    # "library" or "category" when stackmap inferred the capabilities; None when given.
    capabilities_inferred: str | None = None
    journey_stages: tuple[str, ...] = ()
    business_units: tuple[str, ...] = ()
    contracts: tuple[ContractView, ...] = ()
    disposition: str | None = None
    decision_note: str | None = None
    decided_by: str | None = None
    invoiced: tuple[InvoicedFacts, ...] = ()  # from finance spend reports, latest first
    functional_fit: int | None = None  # a person's rating, 1-5: overrides derived value
    technical_fit: int | None = None  # a person's rating, 1-5: overrides derived fit

    @property
    def owners(self) -> tuple[str, ...]:
        """The business and technical owner, whichever are recorded (once if the same)."""
        business, technical = self.business_owner, self.technical_owner
        if business and technical and business != technical:
            return (business, technical)
        return (business,) if business else (technical,) if technical else ()


@record
class LinkFacts:
    """One integration between two tools (by id)."""

    id: int
    source: int
    target: int
    method: str = "api"
    status: str = "active"
    direction: str = "one_way"
    frequency: str | None = None
    data_objects: tuple[str, ...] = ()
    owner: str | None = None

    @property
    def fragility(self) -> str | None:
        """Why this link is fragile, in words, or None when it is automated and working."""
        if self.status == "broken":
            return "marked broken: no data is flowing"
        if self.method in FRAGILE_METHODS:
            return FRAGILE_METHODS[self.method]
        if self.method == "unknown":
            return "undocumented: nobody recorded how it works or who fixes it"
        return None


@record
class Cost:
    """A tool's current annual cost in the base currency, with the terms behind it (from the
    contract engine in stackmap.terms)."""

    annual: Decimal | None  # None: unknown, or in a currency with no rate
    renewal_date: date | None  # the nearest renewal ahead (rolled forward past auto-renewals)
    notice_days: int | None  # None: not recorded
    auto_renew: bool | None
    seats_purchased: int | None
    seats_active: int | None
    unconverted: tuple[tuple[str, Decimal], ...] = ()  # (currency, annual amount) with no rate
    assumed_base: bool = False  # an amount with no currency was counted in the base currency
    positions: tuple[Position, ...] = ()  # every contract's position, paid or not
    exit_date: date | None = None  # when paying can stop if notice is given today; None unknown
    lapsed: Decimal | None = None  # what its lapsed contracts last cost a year (not spend)
    seats_assigned: int | None = None
    # The last day to give notice before the nearest renewal; None when the renewal or the
    # notice period is unknown (the contract engine's, see stackmap.terms).
    decide_by: date | None = None
    # How the contracts being paid are priced: per_seat, platform, usage, "mixed", or None
    # when no contract records it.
    pricing_model: str | None = None

    @property
    def utilisation(self) -> float | None:
        """Active seats / purchased seats, or None when either is unknown."""
        if not self.seats_purchased or self.seats_active is None:
            return None
        return self.seats_active / self.seats_purchased

    paid: tuple[Position, ...] = ()  # the positions being paid today
    # Every contract recorded has lapsed: nothing is being paid as far as the catalog knows.
    lapsed_only: bool = False


@dataclass(frozen=True)
class Stack:
    """A snapshot of the catalog: tools, integrations, the reference model and the day it is."""

    tools: tuple[ToolFacts, ...]
    links: tuple[LinkFacts, ...]
    reference: Reference
    today: date = field(default_factory=date.today)
    # Which tool statuses the analysis counts: active only, unless the user asks (e.g. to
    # see a stack with the tools being evaluated, or still with those being sunset).
    counted: tuple[str, ...] = IN_USE
    # Martech-looking suppliers finance paid that no tool is tied to (from spend reports).
    untied: tuple[UntiedFacts, ...] = ()
    # The statuses the money views (spend, renewals, seats) show. None: those counted plus
    # sunsetting tools, which are still paid for and whose notice dates must not be missed.
    paid_statuses: tuple[str, ...] | None = None
    # Count tools outside marketing (HR, finance, security, IT, engineering) in coverage,
    # overlap, gaps and recommendations too; by default they are set aside from those.
    all_tools: bool = False

    @cached_property
    def by_id(self) -> dict[int, ToolFacts]:
        return {t.id: t for t in self.tools}

    @cached_property
    def by_name(self) -> dict[str, ToolFacts]:
        """Every tool by its name as stored (the first one on a clash)."""
        index: dict[str, ToolFacts] = {}
        for tool in self.tools:
            index.setdefault(tool.name, tool)
        return index

    @cached_property
    def by_key(self) -> dict[str, ToolFacts]:
        """Every tool by its name's key (any case and spacing), the first one on a clash."""
        index: dict[str, ToolFacts] = {}
        for tool in self.tools:
            index.setdefault(name_key(tool.name), tool)
        return index

    @cached_property
    def folded_names(self) -> dict[int, str]:
        """Every tool's name case-folded (how people sort names), by id: worked out once."""
        return {t.id: t.name.casefold() for t in self.tools}

    @cached_property
    def name_rank(self) -> dict[int, int]:
        """Every tool's place in the order people sort names (case-insensitive), by id; names
        that differ only in case share one. Numbers compare faster than names: a sort of
        tens of thousands of links by their ends' names compares these instead."""
        folded = self.folded_names
        place = {name: i for i, name in enumerate(sorted(set(folded.values())))}
        return {tool_id: place[name] for tool_id, name in folded.items()}

    @cached_property
    def sorted_tools(self) -> tuple[ToolFacts, ...]:
        """Every tool, by name as people sort it (case-insensitive)."""
        folded = self.folded_names
        return tuple(sorted(self.tools, key=lambda t: folded[t.id]))

    @cached_property
    def in_use(self) -> tuple[ToolFacts, ...]:
        return tuple(t for t in self.tools if t.status in self.counted)

    @cached_property
    def jobs(self) -> dict[int, str | None]:
        """Each tool's main job (Reference.job_capability) by id, worked out once."""
        job = self.reference.job_capability
        return {t.id: job(t.category, t.capabilities) for t in self.tools}

    @cached_property
    def paid_tools(self) -> tuple[ToolFacts, ...]:
        """The tools the money views show: those counted, and sunsetting ones unless the user
        narrowed the statuses (`--only`)."""
        statuses = self.paid_statuses
        if statuses is None:
            statuses = (*self.counted, *((LEAVING,) if LEAVING not in self.counted else ()))
        return tuple(t for t in self.tools if t.status in statuses)

    def leaving(self, tool: ToolFacts) -> bool:
        """Whether a tool is already on its way out (sunsetting): its cost is never a new saving."""
        return tool.status == LEAVING

    @cached_property
    def outside_marketing(self) -> tuple[ToolFacts, ...]:
        """Tools in use whose category is outside marketing, set aside from the marketing
        analyses (none when all_tools is asked for)."""
        if self.all_tools:
            return ()
        return tuple(t for t in self.in_use if not self.reference.is_marketing(t.category))

    @cached_property
    def marketing_tools(self) -> tuple[ToolFacts, ...]:
        """The tools in use that coverage, overlap, gaps and recommendations look at."""
        aside = {t.id for t in self.outside_marketing}
        return tuple(t for t in self.in_use if t.id not in aside) if aside else self.in_use

    @cached_property
    def in_use_links(self) -> tuple[LinkFacts, ...]:
        """Links between tools in use that exist today (not planned ones)."""
        ids = {t.id for t in self.in_use}
        return tuple(
            link
            for link in self.links
            if link.status != "planned" and link.source in ids and link.target in ids
        )

    @cached_property
    def costs(self) -> dict[int, Cost]:
        """Each tool's cost by id, worked out on first use (a what-if needs only a few)."""
        return _Costs(self)

    @cached_property
    def base_currency(self) -> str:
        """The currency the analysis counts in (read once: the money findings ask per tool)."""
        return self.reference.settings.currency.base


class _Costs(dict[int, Cost]):
    def __init__(self, stack: Stack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, tool_id: int) -> Cost:
        stack = self._stack
        cost = self[tool_id] = tool_cost(stack.by_id[tool_id], stack.today, stack.reference)
        return cost


def tool_cost(tool: ToolFacts, today: date, reference: Reference) -> Cost:
    """Return a tool's annual cost in the base currency over the contracts being paid today.

    Amounts with no currency are counted in the base currency (and flagged); amounts in a
    currency with no rate in analysis.yaml are left out and listed, never guessed. Lapsed
    contracts are not spend: what they last cost is kept apart for a person to verify.
    """
    # One pass over the positions: this runs once per tool, 20,000 times on a large catalog.
    every = tuple(position(c, today) for c in tool.contracts)
    paid = tuple(p for p in every if p.paid)
    money_of = _Money(reference)
    nearest: Position | None = None
    latest_exit: date | None = None
    exit_unknown = not paid
    purchased = assigned = active = None
    models: set[str] = set()
    for p in paid:
        c = p.contract
        money_of.add(c)
        if p.renewal_date is not None and (
            nearest is None or p.renewal_date < (nearest.renewal_date or date.max)
        ):
            nearest = p
        if p.exit_date is None:
            exit_unknown = True
        elif latest_exit is None or p.exit_date > latest_exit:
            latest_exit = p.exit_date
        if c.seats_purchased is not None:
            purchased = (purchased or 0) + c.seats_purchased
        if c.seats_assigned is not None:
            assigned = (assigned or 0) + c.seats_assigned
        if c.seats_active is not None:
            active = (active or 0) + c.seats_active
        if c.pricing_model:
            models.add(c.pricing_model)
    lapsed_only = not paid and any(p.state == LAPSED for p in every)
    lapsed: Decimal | None = None
    if lapsed_only:
        last = _Money(reference)
        for p in every:
            if p.state == LAPSED:
                last.add(p.contract)
        lapsed = last.total()
    # By position, in the order of Cost's fields: naming sixteen arguments costs more than
    # making the record, once per tool.
    return Cost(
        money_of.total(),  # annual
        nearest.renewal_date if nearest else None,  # renewal_date
        nearest.notice_days if nearest else None,  # notice_days
        nearest.auto_renew if nearest else None,  # auto_renew
        purchased,  # seats_purchased
        active,  # seats_active
        tuple(sorted(money_of.unconverted.items())),  # unconverted
        money_of.assumed,  # assumed_base
        every,  # positions
        None if exit_unknown else latest_exit,  # exit_date
        lapsed,
        assigned,  # seats_assigned
        nearest.decide_by if nearest else None,  # decide_by
        ("mixed" if len(models) > 1 else next(iter(models))) if models else None,  # pricing_model
        paid,
        lapsed_only,
    )


class _Money:
    """Contract amounts summed in the base currency; amounts with no rate kept apart."""

    def __init__(self, reference: Reference) -> None:
        self.settings = reference.settings.currency
        self.sum: Decimal | None = None
        self.unconverted: dict[str, Decimal] = {}
        self.assumed = False

    def add(self, contract: ContractView) -> None:
        cost = contract.annual_cost
        if cost is None:
            return
        settings = self.settings
        currency = contract.currency or settings.base
        if contract.currency is None:
            self.assumed = True
        if currency == settings.base:
            amount = cost
        elif currency in settings.rates:
            amount = cost * Decimal(str(settings.rates[currency]))
        else:
            self.unconverted[currency] = self.unconverted.get(currency, Decimal(0)) + cost
            return
        self.sum = amount if self.sum is None else self.sum + amount

    def total(self) -> Decimal | None:
        return self.sum.quantize(_CENT) if self.sum is not None else None


_CENT = Decimal("0.01")


def missing_cost(stack: Stack, tools: Iterable[ToolFacts], limit: int = 3) -> str:
    """Why these tools have no cost in the base currency, as a clause: "cost unknown for A and
    B; no GBP rate to USD for C". A known amount with no rate is not an unknown cost."""
    unknown: list[str] = []
    by_currency: dict[str, list[str]] = {}
    for tool in tools:
        cost = stack.costs[tool.id]
        if cost.unconverted:
            codes = "/".join(c for c, _ in cost.unconverted)
            by_currency.setdefault(codes, []).append(tool.name)
        else:
            unknown.append(tool.name)
    parts = [f"cost unknown for {listing(unknown, limit)}"] if unknown else []
    parts += [
        f"no {codes} rate to {stack.base_currency} for {listing(found, limit)}"
        for codes, found in sorted(by_currency.items())
    ]
    return "; ".join(parts)


def names(tools: list[ToolFacts] | tuple[ToolFacts, ...], limit: int = 6) -> str:
    """Join tool names for a sentence, shortening long lists."""
    return listing([t.name for t in tools], limit)


def in_sentence(name: str) -> str:
    """A display name as it reads mid-sentence: "Data enrichment" -> "data enrichment", but
    "CRM" and "SEO" stay as they are."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def main_area(tool: ToolFacts, reference: Reference) -> str | None:
    """The area most of a tool's capabilities belong to (the earlier area on a tie), or None."""
    area_of = reference.area_of
    counts: dict[str, int] = {}
    for capability in tool.capabilities:
        if capability in area_of:
            counts[area_of[capability]] = counts.get(area_of[capability], 0) + 1
    if not counts:
        return None
    if len(counts) == 1:
        return next(iter(counts))
    rank = reference.area_rank
    return min(counts, key=lambda a: (-counts[a], rank[a]))
