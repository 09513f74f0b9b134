"""Small real catalogs the tests arrange through the application API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
