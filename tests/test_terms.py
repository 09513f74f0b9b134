"""Which contracts are current, and the figures a listing shows for a tool."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stackmap.domain import BillingPeriod
from stackmap.schemas import ContractFields, annualise
from stackmap.terms import (
    COMMITTED,
    LAPSED,
    NOT_STARTED,
    OPEN_ENDED,
    ROLLED,
    add_months,
    current_contracts,
    current_terms,
    position,
)
from stackmap.views import ContractView

TODAY = date(2026, 11, 22)


def contract(id: int, **terms: object) -> ContractView:
    fields = dict.fromkeys(ContractView.__dataclass_fields__)
    fields.update(id=id, **terms)
    return ContractView(**fields)  # type: ignore[arg-type]


def test_a_contract_without_an_end_date_is_current() -> None:
    open_ended = contract(1, start_date=date(2020, 1, 1))
    assert current_contracts([open_ended], TODAY) == [open_ended]


def test_ended_contracts_give_way_to_the_current_one() -> None:
    old = contract(1, end_date=date(2025, 12, 31), annual_cost=Decimal(100), currency="USD")
    new = contract(2, end_date=date(2027, 12, 31), annual_cost=Decimal(150), currency="USD")
    assert current_terms([old, new], TODAY).annual_cost == Decimal(150)


def test_a_lapsed_tool_shows_what_its_last_contract_cost() -> None:
    older = contract(1, end_date=date(2024, 12, 31), annual_cost=Decimal(90))
    last = contract(2, end_date=date(2025, 12, 31), annual_cost=Decimal(100))
    assert current_contracts([older, last], TODAY) == [last]


def test_concurrent_contracts_in_one_currency_add_up_seats_and_cost() -> None:
    base = contract(
        1, annual_cost=Decimal(1000), currency="EUR", seats_purchased=10, seats_active=4
    )
    addon = contract(2, annual_cost=Decimal(500), currency="EUR", seats_purchased=5)
    terms = current_terms([base, addon], TODAY)
    assert (terms.annual_cost, terms.currency, terms.seats_purchased, terms.seats_active) == (
        Decimal(1500),
        "EUR",
        15,
        4,
    )


def test_contracts_in_different_currencies_are_never_added_together() -> None:
    usd = contract(1, annual_cost=Decimal(1000), currency="USD")
    eur1 = contract(2, annual_cost=Decimal(200), currency="EUR")
    eur2 = contract(3, annual_cost=Decimal(300), currency="EUR")
    terms = current_terms([usd, eur1, eur2], TODAY)
    assert (terms.annual_cost, terms.currency) == (Decimal(500), "EUR")


def test_the_next_upcoming_renewal_and_its_notice_are_shown() -> None:
    a = contract(1, renewal_date=date(2027, 5, 1), notice_days=90)
    b = contract(2, renewal_date=date(2027, 2, 1), notice_days=30)
    terms = current_terms([a, b], TODAY)
    assert (terms.renewal_date, terms.notice_days) == (date(2027, 2, 1), 30)


def test_the_decide_by_date_is_the_renewal_minus_the_notice_period() -> None:
    assert contract(1, renewal_date=date(2027, 3, 1), notice_days=60).decide_by == date(
        2026, 12, 31
    )
    # A blank notice period is unknown, never 0 days - unless the contract does not renew
    # itself, when it simply ends and is decided by then.
    assert contract(1, renewal_date=date(2027, 3, 1)).decide_by is None
    assert contract(1, renewal_date=date(2027, 3, 1), auto_renew=False).decide_by == date(
        2027, 3, 1
    )
    assert contract(1).decide_by is None


def test_amounts_are_annualised_by_their_billing_period() -> None:
    assert annualise(Decimal("100"), BillingPeriod.MONTHLY) == Decimal("1200.00")
    assert annualise(Decimal("100"), BillingPeriod.QUARTERLY) == Decimal("400.00")
    assert annualise(Decimal("100"), BillingPeriod.ANNUAL) == Decimal("100.00")
    assert annualise(Decimal("90000"), BillingPeriod.MULTI_YEAR, 36) == Decimal("30000.00")
    assert annualise(Decimal("90000"), BillingPeriod.MULTI_YEAR) is None
    assert annualise(Decimal("5000"), BillingPeriod.ONE_OFF) is None


def test_a_given_annual_cost_wins_over_the_billed_amount() -> None:
    terms = ContractFields(annual_cost=Decimal(999), amount=Decimal(100), billing_period="monthly")
    assert terms.annualised() == Decimal(999)


def test_an_auto_renewed_contract_rolls_forward_a_term_at_a_time() -> None:
    rolled = position(
        contract(
            1,
            start_date=date(2025, 3, 1),
            renewal_date=date(2025, 12, 31),
            notice_days=30,
            auto_renew=True,
        ),
        date(2027, 1, 15),
    )
    # Ten-month term (March to December): renewed itself on 2026-10-31, next 2027-08-31.
    assert (rolled.state, rolled.rolled_on, rolled.renewal_date) == (
        ROLLED,
        date(2026, 10, 31),
        date(2027, 8, 31),
    )
    assert rolled.exit_date == date(2027, 8, 31) and rolled.paid


def test_after_the_notice_date_the_next_term_is_committed() -> None:
    p = position(
        contract(1, renewal_date=date(2027, 2, 1), notice_days=60, auto_renew=True),
        date(2027, 1, 15),
    )
    assert (p.state, p.exit_date) == (COMMITTED, date(2028, 2, 1))
    assert "term not recorded: a year assumed" in p.notes


def test_an_ended_contract_that_does_not_renew_itself_has_lapsed_and_is_not_paid() -> None:
    for auto in (False, None):
        p = position(
            contract(1, renewal_date=date(2026, 12, 1), auto_renew=auto), date(2027, 1, 15)
        )
        assert p.state == LAPSED and not p.paid
    # ...and current_contracts still shows it when it is all there is.
    ended = contract(1, renewal_date=date(2026, 12, 1), auto_renew=False)
    assert current_contracts([ended], date(2027, 1, 15)) == [ended]


def test_an_open_ended_contract_can_end_after_its_notice() -> None:
    p = position(contract(1, notice_days=30), date(2027, 1, 15))
    assert (p.state, p.exit_date, p.paid) == (OPEN_ENDED, date(2027, 2, 14), True)
    assert position(contract(1), date(2027, 1, 15)).exit_date is None


def test_a_contract_that_starts_later_is_not_yet_paid() -> None:
    p = position(contract(1, start_date=date(2027, 6, 1)), date(2027, 1, 15))
    assert (p.state, p.paid) == (NOT_STARTED, False)


def test_months_are_added_to_the_last_day_of_short_months() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_a_contract_is_empty_only_when_no_term_at_all_is_given() -> None:
    # A zero, a FALSE or any one term makes a contract to record; only none at all is empty.
    assert ContractFields().is_empty()
    assert ContractFields.model_validate({}).is_empty()
    given: dict[str, object] = {
        "annual_cost": Decimal("0"),
        "amount": Decimal("12.50"),
        "currency": "EUR",
        "billing_period": "monthly",
        "term_months": 12,
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
        "renewal_date": date(2028, 1, 1),
        "notice_days": 0,
        "auto_renew": False,
        "seats_purchased": 0,
        "seats_assigned": 0,
        "seats_active": 0,
        "pricing_model": "per_seat",
        "cost_centre": "MKT-1",
        "notes": "",
    }
    assert set(given) == set(ContractFields.model_fields)  # every term is tried
    for name, value in given.items():
        assert not ContractFields.model_validate({name: value}).is_empty(), name
