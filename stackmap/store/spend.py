"""Actual spend from finance reports: per tool and per supplier no tool matched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from stackmap.domain import ChangeAction, name_key, vendor_key
from stackmap.errors import NotFoundError
from stackmap.models import (
    Tool,
    ToolSpend,
    UntiedSpend,
)
from stackmap.store.base import Outcome, WriterBase
from stackmap.store.sql import chunks


class SpendWrites(WriterBase):
    """Replaces spend per tool and supplier with what a finance report says."""

    def replace_untied_spend(
        self, period_start: date, period_end: date, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Record the martech-looking suppliers a report paid that no tool could be tied to,
        replacing what an earlier import of the same period recorded (a supplier tied since is
        no longer listed)."""
        table: sa.Table = UntiedSpend.__table__  # type: ignore[attr-defined]
        self.session.execute(
            sa.delete(table).where(
                table.c.period_start == period_start, table.c.period_end == period_end
            )
        )
        if rows:
            stamped = [{**row, "batch_id": self.batch_id, "created_at": self.now} for row in rows]
            self.session.execute(sa.insert(table), stamped)

    def upsert_spend(self, rows: Sequence[dict[str, Any]]) -> list[Outcome]:
        """Record actual spend per tool and period; the same report imported again changes nothing.

        Each row names its tool by catalog name and carries supplier, currency, amount,
        annual_amount, period_start, period_end and invoices.
        """
        names = sorted({name_key(r["tool"]) for r in rows})
        ids: dict[str, int] = {}
        for chunk in chunks(names):
            stmt = sa.select(col(Tool.key), col(Tool.id)).where(col(Tool.key).in_(chunk))
            ids.update({str(k): int(i) for k, i in self.session.execute(stmt)})
        table: sa.Table = ToolSpend.__table__  # type: ignore[attr-defined]
        existing = {
            (r.tool_id, r.supplier_key, r.currency, r.period_start, r.period_end): r
            for r in self.session.execute(
                sa.select(table).where(table.c.tool_id.in_(list(ids.values()) or [-1]))
            )
        }
        outcomes, inserts, updates = [], [], []
        now = self.now
        for row in rows:
            tool_id = ids.get(name_key(row["tool"]))
            if tool_id is None:
                raise NotFoundError(f"no tool named {row['tool']!r} in the catalog")
            key = (
                tool_id,
                vendor_key(row["supplier"]),
                row["currency"],
                row["period_start"],
                row["period_end"],
            )
            values = {
                "amount": row["amount"],
                "annual_amount": row["annual_amount"],
                "annualised_by": row.get("annualised_by"),
                "invoices": row["invoices"],
            }
            label = f"{row['tool']} ← {row['supplier']}"
            current = existing.get(key)
            if current is None:
                inserts.append(
                    {
                        "tool_id": tool_id,
                        "supplier": row["supplier"],
                        "supplier_key": key[1],
                        "currency": row["currency"],
                        "period_start": row["period_start"],
                        "period_end": row["period_end"],
                        "batch_id": self.batch_id,
                        "created_at": now,
                        "updated_at": now,
                        **values,
                    }
                )
                outcomes.append(
                    Outcome(label, "created", {k: [None, v] for k, v in values.items()})
                )
                continue
            changes = {
                k: [getattr(current, k), v] for k, v in values.items() if getattr(current, k) != v
            }
            if changes:
                updates.append({"id": current.id, **values, "updated_at": now})
                self.record("spend", current.id, label, ChangeAction.UPDATE, changes)
            outcomes.append(Outcome(label, "updated" if changes else "unchanged", changes))
        new_ids = self._insert_returning_ids(ToolSpend, inserts)
        for row, spend_id, outcome in zip(
            inserts, new_ids, [o for o in outcomes if o.action == "created"], strict=True
        ):
            self.record(
                "spend",
                spend_id,
                outcome.label,
                ChangeAction.CREATE,
                {
                    "supplier": [None, row["supplier"]],
                    "currency": [None, row["currency"]],
                    "period": [None, f"{row['period_start']} to {row['period_end']}"],
                    **outcome.changes,
                },
            )
        self._update_by_id(ToolSpend, updates)
        return outcomes
