"""Small real catalogs the tests arrange through the application API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from stackmap.inventory import Inventory
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields


def arrange_overlap(inventory: Inventory) -> None:
    """Marketo and HubSpot doing one job (Marketo barely used), both feeding Salesforce."""
    inventory.add_tool(
        ToolFields(name="Marketo Engage", business_owner="Alicia Gomez"),
        ContractFields(
            annual_cost=Decimal("78000"),
            currency="USD",
            renewal_date=date(2027, 2, 28),
            notice_days=60,
            seats_purchased=10,
            seats_active=2,
        ),
    )
    inventory.add_tool(
        ToolFields(name="HubSpot Marketing Hub", business_owner="Dana Lee"),
        ContractFields(
            annual_cost=Decimal("43200"), currency="USD", seats_purchased=10, seats_active=9
        ),
    )
    inventory.add_tool(ToolFields(name="Salesforce Sales Cloud", business_owner="Priya"))
    for source in ("Marketo Engage", "HubSpot Marketing Hub"):
        inventory.add_integration(
            IntegrationFields(source=source, target="Salesforce Sales Cloud", method="native")
        )


SAMPLES = Path(__file__).resolve().parent.parent / "imports"


def arrange_everything(inventory: Inventory) -> None:
    """A catalog with a row in every table: the sample files, spend, a decision, odd text."""
    for name in ("team-audit.xlsx", "saas-management-export.csv"):
        inventory.apply_import(inventory.plan_import(SAMPLES / name))
    inventory.apply_spend(inventory.plan_spend(SAMPLES / "ap-spend-report.csv"), skip_invalid=True)
    inventory.add_tool(
        ToolFields(
            name='Café "Ünïcode" <b>tool</b> [red]x[/red]',
            notes="line one\nline two\ttabbed\u00a0and \u2028 separators",
            tags=["émoji 🚀", '=HYPERLINK("x")'],
        ),
        ContractFields(amount=Decimal("1234.56"), currency="EUR", billing_period="quarterly"),
    )
    inventory.edit_tool(
        "Salesforce",
        {"disposition": "invest", "decision_note": "System of record; renew for 3 years"},
    )
