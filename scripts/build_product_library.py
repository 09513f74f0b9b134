"""Build catalog/products.yaml from the curated list and the Segment integration catalog.

Run once when either source changes: `python scripts/build_product_library.py SEGMENT_DIR`.
The output is the product library users edit; this script only seeds it.
Segment data: "Segment documentation (segmentio/segment-docs), CC BY 4.0".
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "scripts" / "curated_products.txt"
OUT = ROOT / "catalog" / "products.yaml"

# Segment category -> (landscape subcategory, capability). Categories not listed are not martech
# (monitoring, payments, raw data pipes) and do not make a product on their own.
SEGMENT_CATEGORIES: dict[str, tuple[str, str]] = {
    "Marketing Automation": ("marketing-automation", "marketing-automation"),
    "Email Marketing": ("email-marketing", "email-marketing"),
    "Email": ("email-marketing", "email-marketing"),
    "CRM": ("crm", "crm"),
    "Advertising": ("display-programmatic-advertising", "display-advertising"),
    "Performance Marketing": ("search-social-advertising", "search-social-advertising"),
    "Attribution": ("marketing-analytics-attribution", "attribution"),
    "Analytics": ("mobile-web-analytics", "web-analytics"),
    "A/B Testing": ("optimization-personalization-testing", "ab-testing"),
    "A/B testing": ("optimization-personalization-testing", "ab-testing"),
    "Experimentation": ("optimization-personalization-testing", "ab-testing"),
    "Feature Flagging": ("optimization-personalization-testing", "ab-testing"),
    "Personalization": ("optimization-personalization-testing", "personalization"),
    "Heatmaps & Recordings": ("optimization-personalization-testing", "heatmaps-session-replay"),
    "SMS & Push Notifications": ("mobile-marketing", "sms-push"),
    "Deep Linking": ("mobile-apps", "mobile-app-platform"),
    "Enrichment": ("audience-data-enhancement", "data-enrichment"),
    "Customer Success": ("customer-experience-service-success", "customer-success"),
    "Helpdesk": ("customer-experience-service-success", "customer-success"),
    "Livechat": ("feedback-chatbots", "conversational-marketing"),
    "Surveys": ("feedback-chatbots", "surveys-feedback"),
    "Referrals": ("advocacy-loyalty-referrals", "loyalty-referral"),
    "Tag Managers": ("ipaas-integration-tag-management", "tag-management"),
    "Video": ("video-marketing", "video-marketing"),
}

# Connector variants Segment lists separately; the product is the same.
_SUFFIXES = re.compile(
    r"(\s+(v\d+|web|mobile|mobile plugin|cloud|cloud mode|device mode|web mode|client side|"
    r"server|audiences|conversions api|capi|offline conversions|pixel|destination|lite|"
    r"app & web events|for actions))+$",
    re.IGNORECASE,
)
# Vendors whose many Segment connectors are all variants of curated products.
_CURATED_VENDOR_PREFIXES = (
    "google",
    "adobe",
    "salesforce",
    "microsoft",
    "oracle",
    "facebook",
    "meta",
    "amazon",
    "aws",
    "linkedin",
    "twitter",
    "tiktok",
    "pinterest",
    "snapchat",
    "personas",
    "segment",
    "twilio",
    "hubspot",
    "reddit",
    "display and video",
    "youtube",
    "zendesk",
    "actions ",
)


# Segment entries that are plumbing, monitoring or a second listing of another entry.
_NOT_PRODUCTS = {
    "data lakes",
    "new relic",
    "librato",
    "signl4 alerting",
    "gwen webhooks",
    "whale alerts",
    "pushwoosh source",
    "startdeliver-v2",
    "userpilot web plugin",
    "shopify - powered by fueled",
    "the trade desk crm",
    "freshsales suite - crm",
    "stackadapt events & conversions",
    "dynamic yield by mastercard",
    "marketo static lists",
    "clearbit enrichment",
    "sendgrid marketing campaigns",
    "autopilothq",
}


def compact(name: str) -> str:
    """Return the name with everything but letters and digits removed, for variant matching."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def clean_segment_name(name: str) -> str:
    """Return the product name without Segment's connector decorations."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
    name = re.sub(r"^Actions\s+", "", name)
    name = _SUFFIXES.sub("", name).strip()
    return name


def key(name: str) -> str:
    return " ".join(name.split()).casefold()


def load_subcategories() -> dict[str, list[str]]:
    data = yaml.safe_load((ROOT / "catalog" / "categories.yaml").read_text(encoding="utf-8"))
    return {
        sub["slug"]: list(sub["capabilities"])
        for cat in data["categories"]
        for sub in cat["subcategories"]
    }


# Subcategories whose capabilities are one coherent bundle every product in them provides.
# Elsewhere a subcategory is a mixed bag ("iPaaS, Cloud/Data Integration & Tag Management"), so
# a product gets the subcategory's first capability plus the ones its line names.
_BUNDLED = {"marketing-automation", "abm", "cdp", "dmp"}


def _capabilities(sub: str, defaults: list[str], extra: str) -> list[str]:
    """Return a curated product's capabilities; "=a,b" in the list means exactly a and b."""
    if extra.startswith("="):
        return [c for c in extra[1:].split(",") if c]
    base = defaults if sub in _BUNDLED else defaults[:1]
    return list(dict.fromkeys(base + [c for c in extra.split(",") if c]))


def curated(subcategories: dict[str, list[str]]) -> list[dict[str, Any]]:
    products = []
    for line_no, line in enumerate(CURATED.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 6:
            raise SystemExit(f"{CURATED.name}:{line_no}: expected 6 fields, got {len(fields)}")
        name, vendor, sub, extra, aliases, website = fields
        if sub not in subcategories:
            raise SystemExit(f"{CURATED.name}:{line_no}: unknown subcategory {sub!r}")
        caps = _capabilities(sub, subcategories[sub], extra)
        product: dict[str, Any] = {
            "name": name,
            "vendor": vendor,
            "category": sub,
            "capabilities": caps,
        }
        if aliases:
            product["aliases"] = [a for a in aliases.split(";") if a]
        if website:
            product["website"] = f"https://{website}"
        products.append(product)
    return products


def from_segment(segment_dir: Path, taken: set[str]) -> list[dict[str, Any]]:
    rows = list(
        csv.DictReader((segment_dir / "segment_destinations_flat.csv").open(encoding="utf-8"))
    )
    for row in csv.DictReader((segment_dir / "segment_sources_flat.csv").open(encoding="utf-8")):
        if row.get("source_type") == "cloud-app":
            rows.append({**row, "website": ""})
    products: dict[str, dict[str, Any]] = {}
    taken_compact = {compact(t) for t in taken}
    for row in rows:
        if row.get("status") not in ("PUBLIC", "PUBLIC_BETA"):
            continue
        name = clean_segment_name(row["display_name"])
        k = key(name)
        if (
            len(name) < 3
            or k in _NOT_PRODUCTS
            or k.startswith(_CURATED_VENDOR_PREFIXES)
            or compact(name) in taken_compact
            or any(k.startswith(t + " ") or t.startswith(k + " ") for t in taken)
            or k.endswith((" cohorts", " webhooks"))
        ):
            continue
        mapped = [
            SEGMENT_CATEGORIES[c] for c in row["categories"].split(";") if c in SEGMENT_CATEGORIES
        ]
        if not mapped:
            continue
        product = products.get(compact(name))
        caps = [cap for _, cap in mapped]
        if product is None:
            product = {
                "name": name,
                "vendor": name,
                "category": mapped[0][0],
                "capabilities": caps,
                "source": "segment",
            }
            website = (row.get("website") or "").split("?")[0].rstrip("/")
            if website.startswith("http"):
                product["website"] = website
            products[compact(name)] = product
        else:
            product["capabilities"] = list(dict.fromkeys(product["capabilities"] + caps))
    return sorted(products.values(), key=lambda p: key(p["name"]))


def main() -> None:
    segment_dir = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else ROOT.parent / "shared" / "data" / "segment_catalog"
    )
    subcategories = load_subcategories()
    products = curated(subcategories)
    taken = {key(p["name"]) for p in products} | {
        key(a) for p in products for a in p.get("aliases", [])
    }
    products += from_segment(segment_dir, taken)
    header = (
        "# The product library: well-known martech products, their vendor, landscape subcategory,\n"
        "# capabilities and the other names people use for them. Imports resolve tool names here.\n"
        "# Entries marked `source: segment` derive from the Segment documentation\n"
        "# (segmentio/segment-docs), CC BY 4.0; names were cleaned of connector suffixes.\n"
        "# Generated once by scripts/build_product_library.py, then maintained by hand.\n"
    )
    body = yaml.safe_dump(
        {"products": products},
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
    OUT.write_text(header + body, encoding="utf-8")
    print(f"{len(products)} products written to {OUT}")


if __name__ == "__main__":
    main()
