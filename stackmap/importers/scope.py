"""Words that say a tool is not marketing technology: an HR, finance, security, IT or
engineering system listed in a company-wide inventory with no category.

Only distinctive phrases count ("payroll", "applicant tracking", "password manager"), matched
as whole words in the tool's name or description: "account-based marketing" is not
"accounting", and a consent tool that mentions "security" is not a security product.
"""

from __future__ import annotations

import re

# phrase -> the subcategory outside marketing it points to
OUTSIDE_MARKETING_WORDS: dict[str, str] = {
    "payroll": "hr-people",
    "hris": "hr-people",
    "applicant tracking": "hr-people",
    "recruiting": "hr-people",
    "recruitment": "hr-people",
    "performance reviews": "hr-people",
    "accounting software": "finance-accounting",
    "bookkeeping": "finance-accounting",
    "erp": "finance-accounting",
    "expense management": "finance-accounting",
    "accounts payable": "finance-accounting",
    "password manager": "security-identity",
    "single sign-on": "security-identity",
    "endpoint protection": "security-identity",
    "antivirus": "security-identity",
    "vpn": "security-identity",
    "siem": "security-identity",
    "itsm": "it-operations",
    "it service management": "it-operations",
    "mobile device management": "it-operations",
    "source control": "engineering-devtools",
    "code repository": "engineering-devtools",
    "ci/cd": "engineering-devtools",
    "continuous integration": "engineering-devtools",
    "error tracking": "engineering-devtools",
    "contract lifecycle management": "legal",
}
_PATTERN = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(w) for w in sorted(OUTSIDE_MARKETING_WORDS, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)


def outside_marketing(*texts: str | None) -> tuple[str, str] | None:
    """Return (subcategory slug, the words found) when the texts name a system outside
    marketing, else None."""
    for text in texts:
        match = _PATTERN.search(text or "")
        if match:
            return OUTSIDE_MARKETING_WORDS[match.group(1).casefold()], match.group(1)
    return None
