"""The test of record for the analysis: small stacks written as a marketing-ops consultant would
describe them (tests/scenarios/*.yaml), each with the findings it must and must not produce.

Every scenario is also checked against invariants no finding may break: no keeper is
Eliminate or Consolidate, the plan never saves more than is spent, a plan that leaves a
required capability with no provider says so in its headline, and every finding says why.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackmap.analysis import LinkFacts, Stack, ToolFacts, analyze, what_if
from stackmap.analysis.report import Analysis
from stackmap.reference import Reference
from stackmap.views import ContractView

HERE = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(HERE.glob("*.yaml"))
CONTRACT_FIELDS = {
    "cost": "annual_cost",
    "currency": "currency",
    "billing": "billing_period",
    "start": "start_date",
    "end": "end_date",
    "renewal": "renewal_date",
    "notice": "notice_days",
    "auto_renew": "auto_renew",
    "seats": "seats_purchased",
    "assigned": "seats_assigned",
    "active": "seats_active",
    "pricing": "pricing_model",
}


def _contract(number: int, given: dict[str, Any]) -> ContractView:
    unknown = set(given) - set(CONTRACT_FIELDS)
    assert not unknown, f"unknown contract field(s) {unknown}"
    values: dict[str, Any] = dict.fromkeys(CONTRACT_FIELDS.values())
    values["currency"] = "USD"
    for key, value in given.items():
        if key == "cost" and value is not None:
            value = Decimal(str(value))
        values[CONTRACT_FIELDS[key]] = value
    return ContractView(id=number, amount=None, cost_centre=None, notes=None, **values)


def build(reference: Reference, scenario: dict[str, Any]) -> Stack:
    tools = []
    ids: dict[str, int] = {}
    for number, spec in enumerate(scenario["tools"], 1):
        name = spec["name"]
        ids[name] = number
        product = reference.product(spec["library"]) if "library" in spec else None
        if "library" in spec:
            assert product is not None, f"{spec['library']} is not in the product library"
        capabilities = spec.get("capabilities", product.capabilities if product else ())
        category = spec.get("category", product.category if product else None)
        contracts = spec.get("contracts", [spec["contract"]] if "contract" in spec else [])
        tools.append(
            ToolFacts(
                id=number,
                name=name,
                status=spec.get("status", "active"),
                category=category,
                business_owner=spec.get("owner", "Dana Lee"),
                technical_owner=spec.get("technical_owner"),
                capabilities=tuple(capabilities),
                business_units=tuple(spec.get("units", ())),
                contracts=tuple(_contract(number * 100 + i, c) for i, c in enumerate(contracts)),
                disposition=spec.get("decided"),
            )
        )
    links = [
        LinkFacts(
            id=number,
            source=ids[spec["from"]],
            target=ids[spec["to"]],
            method=spec.get("method", "api"),
            status=spec.get("status", "active"),
            direction=spec.get("direction", "one_way"),
            frequency=spec.get("frequency"),
            data_objects=tuple(spec.get("objects", ())),
        )
        for number, spec in enumerate(scenario.get("links", []), 1)
    ]
    counted = tuple(scenario.get("counted", ("active",)))
    return Stack(tuple(tools), tuple(links), reference, scenario["today"], counted=counted)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def check_invariants(analysis: Analysis) -> None:
    keepers = {o.keeper for o in analysis.overlaps if o.keeper}
    for rec in analysis.recommendations:
        if rec.tool in keepers:
            assert rec.suggested not in ("eliminate", "consolidate"), rec.why
        assert rec.why
    if analysis.plan is not None and analysis.plan.annual_savings is not None:
        assert analysis.plan.annual_savings <= analysis.spend.total
        if analysis.plan.required_lost:
            assert "required capabilities with no provider" in analysis.plan.headline
    findings: tuple[Any, ...] = (
        *analysis.overlaps,
        *analysis.partial_overlaps,
        *analysis.renewals,
        *analysis.underutilized,
        *analysis.gaps,
    )
    for finding in findings:
        assert finding.why


def check(reference: Reference, scenario: dict[str, Any]) -> None:
    s = build(reference, scenario)
    analysis = analyze(s)
    check_invariants(analysis)
    expect = scenario.get("expect", {})
    groups = [set(o.tools) for o in analysis.overlaps]
    for group in expect.get("duplicates", []):
        found = next((o for o in analysis.overlaps if set(o.tools) == set(group["tools"])), None)
        assert found is not None, f"no duplicate group {group['tools']}: {groups}"
        if "keeper" in group:
            assert found.keeper == group["keeper"], found.keeper_why
        if "at_stake" in group:
            assert found.at_stake == _money(group["at_stake"])
    if "shared_not" in expect:
        spec = expect["shared_not"]
        found = next(o for o in analysis.overlaps if set(o.tools) == set(spec["tools"]))
        assert spec["capability"] not in found.shared_capabilities
        name = reference.capabilities[spec["capability"]].name.lower()
        assert name not in found.why.lower(), found.why
    for name, words in expect.get("overlap_why", {}).items():
        found = next(o for o in analysis.overlaps if name in o.tools)
        for word in words:
            assert word in f"{found.why} {found.keeper_why}", found.why
    for pair in expect.get("not_duplicates", []):
        assert not any(set(pair) <= g for g in groups), f"{pair} must not be duplicates: {groups}"
    if "duplicate_groups" in expect:
        assert len(analysis.overlaps) == expect["duplicate_groups"], groups
    partial = {p.capability: p for p in analysis.partial_overlaps}
    for item in expect.get("partial", []):
        part = partial.get(item["capability"])
        assert part is not None, f"no partial overlap on {item['capability']}: {list(partial)}"
        assert set(part.main) == set(item["main"]) and set(part.also) == set(item["also"])
    for capability in expect.get("no_partial", []):
        assert capability not in partial, partial[capability].why
    recs = {r.tool: r for r in analysis.recommendations}
    for name, disposition in expect.get("dispositions", {}).items():
        assert recs[name].disposition == disposition, recs[name].why
    for name, never in expect.get("never", {}).items():
        assert recs[name].disposition not in never, recs[name].why
    for name, words in expect.get("why_contains", {}).items():
        for word in [words] if isinstance(words, str) else words:
            assert word in recs[name].why, recs[name].why
    renewals: dict[str, list[Any]] = {}
    for r in analysis.renewals:
        renewals.setdefault(r.tool, []).append(r)
    for name, status in expect.get("renewals", {}).items():
        assert name in renewals, f"{name} not in renewals: {list(renewals)}"
        assert [r.status for r in renewals[name]] == [status], [r.why for r in renewals[name]]
    for name, day in expect.get("exit_dates", {}).items():
        assert [str(r.exit_date) for r in renewals[name]] == [str(day)]
    for name, words in expect.get("renewal_why", {}).items():
        for word in words:
            assert any(word in r.why for r in renewals[name]), [r.why for r in renewals[name]]
    for name, words in expect.get("renewal_why_not", {}).items():
        for word in words:
            assert not any(word in r.why for r in renewals[name]), [r.why for r in renewals[name]]
    checks: dict[str, list[str]] = {}
    for item in analysis.contract_checks:
        checks.setdefault(item.tool, []).append(item.kind)
    for name, kinds in expect.get("contract_checks", {}).items():
        assert sorted(checks.get(name, [])) == sorted(kinds), analysis.contract_checks
    hubs = {h.tool for h in analysis.hubs}
    for name in expect.get("hubs", []):
        assert name in hubs, hubs
    for name in expect.get("not_hubs", []):
        assert name not in hubs, hubs
    for name in expect.get("not_in_renewals", []):
        assert name not in renewals, [r.why for r in renewals[name]]
    if "renewals_due" in expect:
        assert analysis.renewals_due == expect["renewals_due"]
    if "spend_total" in expect:
        assert analysis.spend.total == _money(expect["spend_total"])
    for text in expect.get("spend_notes_contain", []):
        assert any(text in note for note in analysis.spend.notes), analysis.spend.notes
    if "tools_without_cost" in expect:
        assert list(analysis.spend.tools_without_cost) == expect["tools_without_cost"]
    for area, amount in expect.get("spend_by_area", {}).items():
        assert analysis.spend.by_area.get(area) == _money(amount), analysis.spend.by_area
    seats = {u.tool: u for u in analysis.underutilized}
    for name, spec in expect.get("seats", {}).items():
        assert name in seats, f"no seat finding for {name}: {list(seats)}"
        if "kind" in spec:
            assert seats[name].kind == spec["kind"], seats[name].why
        if "wasted" in spec:
            assert seats[name].wasted == _money(spec["wasted"]), seats[name].why
        for word in spec.get("why_contains", []):
            assert word in seats[name].why, seats[name].why
    if "unused_licences" in expect:
        assert analysis.wasted == _money(expect["unused_licences"])
    for name in expect.get("no_seat_finding", []):
        assert name not in seats, seats[name].why
    if "maturity" in expect:
        assert analysis.maturity.stage == expect["maturity"], analysis.maturity.why
    for word in expect.get("maturity_next_contains", []):
        assert any(word in s for s in analysis.maturity.next_steps), analysis.maturity.next_steps
    journey_gaps = [g.stage for g in analysis.coverage.journey_gaps]
    for stage in expect.get("journey_gaps", []):
        assert stage in journey_gaps, journey_gaps
    for stage in expect.get("no_journey_gaps", []):
        assert stage not in journey_gaps, journey_gaps
    if "gaps" in expect:
        assert sorted(g.capability for g in analysis.gaps) == sorted(expect["gaps"])
    if "plan" in expect:
        plan, want = analysis.plan, expect["plan"]
        assert plan is not None
        if "retire" in want:
            assert sorted(plan.retire) == sorted(want["retire"]), plan.headline
        if "savings" in want:
            assert plan.annual_savings == _money(want["savings"]), plan.headline
        if "next_12_months" in want:
            assert plan.savings_next_12_months == _money(want["next_12_months"]), plan.headline
        if "required_lost" in want:
            assert sorted(plan.required_lost) == sorted(want["required_lost"])
        for word in want.get("headline_contains", []):
            assert word in plan.headline, plan.headline
        for quarter, amount in want.get("run_rate", {}).items():
            rates = {q.label: q.run_rate for q in plan.timeline}
            assert rates.get(quarter) == _money(amount), rates
    for case in expect.get("whatif", []):
        result = what_if(
            s,
            case["retire"],
            case.get("into"),
            target_cost=_money(case.get("target_cost")),
            migration_cost=_money(case.get("migration_cost")),
        )
        want = case["expect"]
        for key in (
            "annual_savings",
            "savings_next_12_months",
            "net_annual_savings",
            "committed_until_renewal",
            "target_extra_cost",
        ):
            if key in want:
                assert getattr(result, key) == _money(want[key]), (key, result.why)
        if "capabilities_lost" in want:
            assert [c.capability for c in result.capabilities_lost] == want["capabilities_lost"]
        if "tools_cut_off" in want:
            assert list(result.tools_cut_off) == want["tools_cut_off"], result.why
        if "already_leaving" in want:
            assert list(result.already_leaving) == want["already_leaving"]
        if "unscheduled" in want:
            assert list(result.unscheduled) == want["unscheduled"]
        for word in want.get("why_contains", []):
            assert any(word in w for w in result.why), result.why


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(reference: Reference, path: Path) -> None:
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(scenario["today"], date)
    check(reference, scenario)


def test_the_suite_is_large_enough_to_be_the_test_of_record() -> None:
    assert len(SCENARIOS) >= 30


def test_the_demo_keeps_the_invariants(tmp_path: Path) -> None:
    from stackmap.demo import run_demo

    analysis = run_demo(tmp_path, today=date(2026, 12, 1)).analysis
    check_invariants(analysis)
    assert analysis.plan is not None and analysis.plan.retire


@st.composite
def generated_stacks(draw: st.DrawFn, reference: Reference) -> dict[str, Any]:
    products = [p for p in reference.products if p.capabilities]
    count = draw(st.integers(2, 14))
    tools = []
    for number in range(count):
        product = draw(st.sampled_from(products))
        contract: dict[str, Any] = {}
        if draw(st.booleans()):
            contract["cost"] = draw(st.integers(0, 90000))
        if draw(st.booleans()):
            contract["renewal"] = date(2027, 1, 15) + timedelta(days=draw(st.integers(-400, 700)))
            contract["notice"] = draw(st.one_of(st.none(), st.sampled_from([0, 30, 90, 180])))
            contract["auto_renew"] = draw(st.one_of(st.none(), st.booleans()))
        if draw(st.booleans()):
            contract["seats"] = draw(st.integers(0, 50))
            contract["active"] = draw(st.integers(0, 60))
            contract["pricing"] = draw(st.sampled_from([None, "per_seat", "platform", "usage"]))
        tools.append(
            {
                "name": f"{product.name} {number}",
                "library": product.name,
                "status": draw(st.sampled_from(["active", "active", "active", "sunsetting"])),
                "decided": draw(st.sampled_from([None, None, None, "eliminate", "invest"])),
                "contract": contract,
            }
        )
    names = [t["name"] for t in tools]
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=15))
    links = [
        {"from": a, "to": b, "method": draw(st.sampled_from(["api", "manual", "unknown"]))}
        for a, b in dict.fromkeys(p for p in pairs if p[0] != p[1])
    ]
    return {"today": date(2027, 1, 15), "tools": tools, "links": links}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_generated_stacks_keep_the_invariants(reference: Reference, data: st.DataObject) -> None:
    scenario = data.draw(generated_stacks(reference))
    s = build(reference, scenario)
    analysis = analyze(s)
    check_invariants(analysis)
    # The plan, run through the what-if, loses what its headline says and nothing else.
    plan = analysis.plan
    assert plan is not None
    if plan.retire:
        scenario_result = what_if(s, list(plan.retire))
        lost = {c.capability for c in scenario_result.capabilities_lost}
        required = set(reference.required_capabilities)
        assert (lost & required) == set(plan.required_lost)
