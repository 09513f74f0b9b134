"""Saved import profiles: how one recurring layout maps onto catalog fields.

A profile is a YAML file in `imports/profiles/` or the user's `profiles/` config folder:

    name: zylo-export
    description: Zylo application export
    sheet: Applications          # optional: which sheet holds the tools
    dayfirst: false              # optional: how numeric dates are written
    currency: USD                # optional: currency of amounts that do not say
    columns:                     # header exactly as written -> catalog field, "extra" (keep
                                 # as an attribute) or "ignore"
    suppliers:                   # spend reports: supplier as invoiced -> the tool it bills for
      DRIFT.COM INC RESELLER: Drift
      App Name: name
      Annual Spend: annual_cost
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from platformdirs import user_config_dir

from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.importers.headers import INTEGRATION_SYNONYMS, SPEND_SYNONYMS, TOOL_SYNONYMS

FIELDS = set(TOOL_SYNONYMS) | set(INTEGRATION_SYNONYMS) | set(SPEND_SYNONYMS) | {"ignore", "extra"}


@dataclass(frozen=True)
class Profile:
    """A saved mapping for one layout."""

    name: str
    columns: dict[str, str] = field(default_factory=dict)
    description: str = ""
    sheet: str | None = None
    dayfirst: bool | None = None
    currency: str | None = None
    path: Path | None = None
    suppliers: dict[str, str] = field(default_factory=dict)


def profile_dirs() -> list[Path]:
    """Return the folders searched for profiles: the shipped ones, then the user's."""
    shipped = Path(__file__).resolve().parent.parent.parent / "imports" / "profiles"
    packaged = Path(__file__).resolve().parent.parent / "_samples" / "profiles"
    user = Path(user_config_dir("stackmap", appauthor=False)) / "profiles"
    return [d for d in (packaged, shipped, user) if d.is_dir()]


def load_profile(name_or_path: str) -> Profile:
    """Load a profile by name (from the profile folders) or from a YAML file path."""
    path = Path(name_or_path)
    if not path.is_file():
        candidates = [d / f"{name_or_path}.yaml" for d in profile_dirs()]
        found = [c for c in candidates if c.is_file()]
        if not found:
            known = sorted({p.stem for d in profile_dirs() for p in d.glob("*.yaml")})
            raise NotFoundError(
                f"no import profile named {name_or_path!r}"
                + (f"; known: {', '.join(known)}" if known else "")
            )
        path = found[-1]  # the user's own profile wins over a shipped one of the same name
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidValueError(f"{path.name}: not a readable YAML profile") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise InvalidValueError(f"{path.name}: a profile needs a `columns:` mapping")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    if not isinstance(data.get("suppliers", {}), dict):
        raise InvalidValueError(f"{path.name}: `suppliers:` maps a supplier to a tool name")
    suppliers = {str(k): str(v) for k, v in (data.get("suppliers") or {}).items()}
    unknown = sorted(set(columns.values()) - FIELDS)
    if unknown:
        raise InvalidValueError(f"{path.name}: unknown field(s) {', '.join(unknown)}")
    dayfirst = data.get("dayfirst")
    return Profile(
        name=str(data.get("name") or path.stem),
        columns=columns,
        description=str(data.get("description") or ""),
        sheet=data.get("sheet"),
        dayfirst=dayfirst if isinstance(dayfirst, bool) else None,
        currency=(str(data["currency"]).upper() if data.get("currency") else None),
        path=path,
        suppliers=suppliers,
    )
