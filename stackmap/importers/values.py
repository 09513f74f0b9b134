"""Parse the values people type into spreadsheets: money, dates, counts, yes/no, lists, periods.

Every parser takes one cell (text, number, date or empty) and returns a typed value, None for
an empty cell, or raises ValueError with a short reason a person can act on. "Unknown" spellings
(TBD, n/a) are not errors: they parse to UNKNOWN so the caller can warn instead of storing 0.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeVar

from stackmap.domain import (
    BillingPeriod,
    Disposition,
    Frequency,
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    PricingModel,
    ToolStatus,
)


class _Unknown:
    """A cell that says the value is not known (TBD, n/a, ?): not an error, not zero."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
E = TypeVar("E")
UNKNOWN_WORDS = frozenset(
    {
        "tbd",
        "tbc",
        "tba",
        "n/a",
        "na",
        "n.a.",
        "unknown",
        "?",
        "??",
        "-",
        "--",
        "pending",
        "unsure",
        "not known",
        "see notes",
        "to be confirmed",
        "to be decided",
        "\u2014",
        "\u2013",
    }
)
FREE_WORDS = frozenset({"free", "freemium", "no cost", "none", "nil", "included", "no charge"})


def text_of(value: Any) -> str:
    """Return a cell as stripped text ("" for empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        stripped = value.strip()
        # Most cells hold no run of spaces or line break; only those need folding.
        if "  " not in stripped and "\n" not in stripped and "\t" not in stripped:
            return stripped
        return " ".join(stripped.split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def is_blank(value: Any) -> bool:
    """True for an empty cell (None, "", white space)."""
    return text_of(value) == ""


# --- money --------------------------------------------------------------------------------

_SYMBOLS = {
    "us$": "USD",
    "a$": "AUD",
    "c$": "CAD",
    "nz$": "NZD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "chf": "CHF",
    "kr": "SEK",
    "r$": "BRL",
}
CURRENCIES = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "CAD",
        "AUD",
        "NZD",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "JPY",
        "INR",
        "SGD",
        "HKD",
        "ZAR",
        "BRL",
        "MXN",
        "PLN",
        "CZK",
        "HUF",
        "ILS",
        "AED",
        "CNY",
        "KRW",
        "TRY",
    }
)
# Currencies whose users write 1.234,56 (a point groups thousands).
_POINT_GROUPS = frozenset(["EUR", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "BRL", "TRY"])
_PERIODS: list[tuple[re.Pattern[str], BillingPeriod]] = [
    (
        re.compile(
            r"(/|\bper\b|\ba\b)\s*(month|mo|mth)\b|\bmonthly\b|\bp\.?\s?m\.?(?=\s|$)|/\s*m\b"
        ),
        BillingPeriod.MONTHLY,
    ),
    (re.compile(r"(/|\bper\b|\ba\b)\s*(quarter|qtr|q)\b|\bquarterly\b"), BillingPeriod.QUARTERLY),
    (
        re.compile(
            r"(/|\bper\b|\ba\b)\s*(year|yr|annum|y)\b|\bannual(ly)?\b|\byearly\b|\bp\.?\s?a\.?(?=\s|$)"
        ),
        BillingPeriod.ANNUAL,
    ),
    (re.compile(r"\bone[- ]?(off|time)\b|\bonce\b"), BillingPeriod.ONE_OFF),
]
_SIMPLE_MONEY = re.compile(r"^([$€£])?\s?(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)$")
_MULTIPLIERS = {
    "k": Decimal(1000),
    "m": Decimal(1_000_000),
    "mm": Decimal(1_000_000),
    "bn": Decimal(1_000_000_000),
}
_NUMBER = re.compile(r"\(?-?\d[\d.,'\u00a0\u202f ]*\)?")


@dataclass(frozen=True)
class Money:
    """An amount as typed: the number, its currency and billing period when the cell said so."""

    amount: Decimal
    currency: str | None = None
    period: BillingPeriod | None = None


# A TRUE or FALSE cell (a spreadsheet's yes/no) where a number or a date belongs: not read as
# 1 or 0, and not dropped unsaid.
_YES_NO = "a yes/no (TRUE or FALSE), not {}"


def parse_money(value: Any, default_currency: str | None = None) -> Money | _Unknown | None:
    """Parse "$74,900", "USD 2,100 / month", "48k", "€2.345,67", "GBP 9,000 p.a.", "free"…"""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(_YES_NO.format("an amount"))
    if isinstance(value, int | float | Decimal):
        return Money(_cents(Decimal(str(value))), default_currency)
    text = text_of(value)
    simple = _SIMPLE_MONEY.match(text)
    if simple:  # "$74,900", "1,234.56", "12000": most cells, read without the general parser
        symbol, digits = simple.groups()
        amount = Decimal(digits.replace(",", ""))
        return Money(_cents(amount), _SYMBOLS[symbol] if symbol else default_currency)
    low = text.casefold()
    if not low:
        return None
    if low in UNKNOWN_WORDS or _annotated_unknown(low):
        return UNKNOWN
    if low in FREE_WORDS:
        return Money(_cents(Decimal(0)), default_currency)
    currency = None
    for symbol, code in sorted(_SYMBOLS.items(), key=lambda kv: -len(kv[0])):
        if symbol in low:
            currency = code
            low = low.replace(symbol, " ")
            break
    for code in re.findall(r"\b[a-z]{3}\b", low):
        if code.upper() in CURRENCIES:
            currency = code.upper()
            low = re.sub(rf"\b{code}\b", " ", low)
    period = None
    for pattern, candidate in _PERIODS:
        if pattern.search(low):
            period = candidate
            low = pattern.sub(" ", low)
            break
    match = _NUMBER.search(low)
    if match is None:
        raise ValueError("no amount found")
    rest = (low[: match.start()] + " " + low[match.end() :]).strip()
    multiplier = Decimal(1)
    suffix = re.match(r"^(k|mm|m|bn)\b", low[match.end() :].strip())
    if suffix:
        multiplier = _MULTIPLIERS[suffix.group(1)]
        rest = rest.replace(suffix.group(1), " ", 1).strip()
    if re.search(r"[a-z]{2,}", rest):
        raise ValueError(f"unexpected words {rest!r}")
    amount = _number(match.group(0), currency or default_currency) * multiplier
    return Money(_cents(amount), currency or default_currency, period)


def _annotated_unknown(low: str) -> bool:
    """True for an unknown word with a remark after it: "n/a (IT budget)", "TBD - quote due"."""
    match = re.match(r"^([^\s(:;,]+)\s*[(:;,\-\u2013\u2014]", low)
    return match is not None and match.group(1) in UNKNOWN_WORDS and not re.search(r"\d", low)


def _cents(amount: Decimal) -> Decimal:
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise ValueError("not a plausible amount")
    return amount.quantize(Decimal("0.01"))


def _number(raw: str, currency: str | None) -> Decimal:
    negative = (raw.startswith("(") and raw.endswith(")")) or raw.lstrip("(").startswith("-")
    digits = re.sub(r"[()\-'\u00a0\u202f ]", "", raw)
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif "," in digits:
        parts = digits.split(",")
        decimal_mark = "," if len(parts) == 2 and len(parts[1]) in (1, 2) else "-"
    elif "." in digits:
        parts = digits.split(".")
        grouped = len(parts) > 2 or (len(parts[1]) == 3 and currency in _POINT_GROUPS)
        decimal_mark = "-" if grouped else "."
    else:
        decimal_mark = "."
    group_mark = {",": ".", ".": ","}.get(decimal_mark)
    if decimal_mark == "-":  # only grouping marks
        digits = digits.replace(",", "").replace(".", "")
    else:
        if group_mark:
            digits = digits.replace(group_mark, "")
        digits = digits.replace(decimal_mark, ".")
    try:
        number = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{raw.strip()!r} is not a number") from None
    return -number if negative else number


# --- dates --------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")


def numeric_date_order(value: Any) -> str | None:
    """For a text date like 03/04/2027, say which reading it forces: "dayfirst", "monthfirst",
    or None when either reading works (or it is not such a date)."""
    match = _NUMERIC_DATE.match(text_of(value))
    if not match or len(match.group(1)) == 4:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return "dayfirst"
    if second > 12 >= first:
        return "monthfirst"
    return None


def parse_date(value: Any, dayfirst: bool | None = None) -> date | _Unknown | None:
    """Parse Excel serials, ISO, day-first or month-first numbers and month names.

    dayfirst=None means the order is not known: a date like 03/04/2027 then raises.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(_YES_NO.format("a date"))
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        if 20_000 <= value <= 80_000:  # Excel serials for 1954..2119
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError("a number that is not a date")
    text = text_of(value)
    low = text.casefold().rstrip(".")
    if not low:
        return None
    if low in UNKNOWN_WORDS:
        return UNKNOWN
    if re.fullmatch(r"\d{5}(\.0+)?", low):
        return parse_date(float(low), dayfirst)
    low = re.sub(r"t\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$", "", low)  # ISO time
    low = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?(\s*[ap]m)?$", "", low)
    match = _NUMERIC_DATE.match(low)
    if match:
        a, b, c = match.groups()
        if len(a) == 4:
            return _make(int(a), int(b), int(c))
        order = numeric_date_order(low)
        if order is None and int(a) != int(b):
            if dayfirst is None:
                raise ValueError("ambiguous day and month; say --dayfirst or --monthfirst")
            order = "dayfirst" if dayfirst else "monthfirst"
        day, month = (int(a), int(b)) if order == "dayfirst" else (int(b), int(a))
        return _make(_year(c), month, day)
    words = re.findall(r"[a-z]+|\d+", low)
    months = [w for w in words if w in _MONTHS]
    numbers = [int(w) for w in words if w.isdigit()]
    if len(months) == 1 and numbers:
        month = _MONTHS[months[0]]
        years = [n for n in numbers if n > 31]
        days = [n for n in numbers if n <= 31]
        if len(numbers) == 1 and years:  # "January 2027"
            return _make(years[0], month, 1)
        if years and days:
            return _make(years[0], month, days[0])
        if len(days) == 2:  # "31 Jan 27"
            return _make(_year(str(days[1])), month, days[0])
    raise ValueError("not a date")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"no such date {year:04d}-{month:02d}-{day:02d}") from None


# --- counts, flags, periods ---------------------------------------------------------------


def parse_count(value: Any) -> int | _Unknown | None:
    """Parse a count of seats or licences: 25, "25.0", "1,200", "25 seats"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(_YES_NO.format("a whole number"))
    if isinstance(value, int | float):
        if not math.isfinite(value) or float(value) != int(value):
            raise ValueError("not a whole number")
        return int(value)
    low = text_of(value).casefold()
    if not low:
        return None
    if low in UNKNOWN_WORDS or low in ("unlimited", "all", "company-wide", "enterprise"):
        return UNKNOWN
    match = re.fullmatch(r"(\d[\d,.' ]*)\s*(seats?|licen[cs]es?|users?|logins?)?", low)
    if not match:
        raise ValueError("not a whole number")
    number = re.sub(r"[,' ]", "", match.group(1))
    if re.fullmatch(r"\d+\.0+", number):
        number = number.split(".")[0]
    if not number.isdigit():
        raise ValueError("not a whole number")
    return int(number)


_TRUE = frozenset(
    {
        "yes",
        "y",
        "true",
        "t",
        "1",
        "x",
        "\u2713",
        "\u2714",
        "on",
        "checked",
        "auto",
        "auto-renew",
        "auto-renews",
        "autorenew",
    }
)
_FALSE = frozenset({"no", "n", "false", "f", "0", "off", "unchecked", "manual", "none"})


def parse_bool(value: Any) -> bool | _Unknown | None:
    """Parse yes/no in its spellings: Yes, Y, TRUE, 1, x, ✓, No, N, FALSE, 0…"""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    low = text_of(value).casefold()
    if not low:
        return None
    if low in UNKNOWN_WORDS:
        return UNKNOWN
    if low in _TRUE or low.startswith(("yes", "auto")):
        return True
    if low in _FALSE or low.startswith(("no ", "not ")):
        return False
    raise ValueError("not yes or no")


def parse_days(value: Any) -> int | _Unknown | None:
    """Parse a notice period: 30, "30 days", "3 months", "2 weeks", "60d"."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(_YES_NO.format("a number of days"))
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0 or value > 3650:
            raise ValueError("not a number of days")
        return int(value)
    low = text_of(value).casefold()
    if not low:
        return None
    if low in UNKNOWN_WORDS:
        return UNKNOWN
    if low in ("none", "no notice", "0"):
        return 0
    match = re.match(r"^(\d+)\s*(d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)?\b", low)
    if not match:
        raise ValueError("not a number of days")
    number, unit = int(match.group(1)), (match.group(2) or "d")[0]
    return number * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]


def parse_list(value: Any) -> list[str]:
    """Split a multi-value cell on commas, semicolons and new lines."""
    if value is None:
        return []
    return [part.strip() for part in re.split(r"[,;\n\r]+", str(value)) if part.strip()]


_PERIOD_WORDS: list[tuple[str, BillingPeriod]] = [
    (r"month|monthly|mo\b|mth", BillingPeriod.MONTHLY),
    (r"quarter|qtr|quarterly", BillingPeriod.QUARTERLY),
    (r"multi|\d+\s*-?\s*y(ea)?r", BillingPeriod.MULTI_YEAR),
    (r"annual|year|yearly|yr|p\.?a|12 months", BillingPeriod.ANNUAL),
    (r"one[- ]?(off|time)|once|perpetual", BillingPeriod.ONE_OFF),
]


def parse_period(value: Any) -> BillingPeriod | None:
    """Parse a billing period: Monthly, per month, Annual, yearly, 3-year, one-off…"""
    low = text_of(value).casefold().replace("_", " ")  # the template's own words: one_off
    if not low:
        return None
    for pattern, period in _PERIOD_WORDS:
        if re.search(pattern, low):
            return period
    raise ValueError("not a billing period (monthly, quarterly, annual, multi-year, one-off)")


def term_months(value: Any) -> int | None:
    """Return the term in months a multi-year period names ("3-year" → 36), else None."""
    match = re.search(r"(\d+)\s*-?\s*y(ea)?r", text_of(value).casefold())
    return int(match.group(1)) * 12 if match else None


def _choose(value: Any, table: list[tuple[str, E]], what: str) -> E | None:
    low = text_of(value).casefold().replace("_", " ")  # the template's own words: two_way
    if not low:
        return None
    for pattern, result in table:
        if re.search(pattern, low):
            return result
    raise ValueError(f"not a known {what}")


_STATUS = [
    (
        r"retir|cancel|churn|inactive|decommission|terminated|ended|expired|discontinued",
        ToolStatus.RETIRED,
    ),
    (r"sunset|deprecat|replac|phas|winding|migrating away|legacy", ToolStatus.SUNSETTING),
    (r"evaluat|trial|pilot|poc|proof|testing|considering|demo", ToolStatus.EVALUATING),
    (r"active|live|in use|production|prod\b|current|yes|running|in place", ToolStatus.ACTIVE),
]
_METHOD = [
    (
        r"zapier|workato|tray|make\b|integromat|ipaas|mulesoft|boomi|power automate|n8n",
        IntegrationMethod.IPAAS,
    ),
    (
        r"native|built[- ]?in|out of the box|ootb|connector|marketplace|app\b|plugin|plug-in",
        IntegrationMethod.NATIVE,
    ),
    (r"manual|copy|paste|by hand|human", IntegrationMethod.MANUAL),
    (r"csv|file|sftp|ftp|export|import|upload|spreadsheet|excel", IntegrationMethod.FILE),
    (r"api|custom|webhook|script|code|rest|graphql|sdk", IntegrationMethod.API),
]
_DIRECTION = [
    (r"two|bi|both|sync|↔|<->|<=>|mutual", IntegrationDirection.TWO_WAY),
    (r"one|uni|→|->|=>|push|pull|single", IntegrationDirection.ONE_WAY),
]
_FREQUENCY = [
    (r"real|instant|stream|live|webhook|immediate|continuous|event", Frequency.REAL_TIME),
    (r"hour|every \d+ min|minute", Frequency.HOURLY),
    (r"dai|night|24|day", Frequency.DAILY),
    (r"week", Frequency.WEEKLY),
    (r"month", Frequency.MONTHLY),
    (r"ad[- ]?hoc|demand|manual|irregular|as needed|once", Frequency.AD_HOC),
]


_DISPOSITION = [
    (r"toler|keep|maintain|retain|hold", Disposition.TOLERATE),
    (r"invest|grow|expand|strategic", Disposition.INVEST),
    (r"migrat|replac|move", Disposition.MIGRATE),
    (r"elimin|retire|cut|remove|cancel|sunset|kill", Disposition.ELIMINATE),
    (r"consolid|merge|combine", Disposition.CONSOLIDATE),
]
_LINK_STATUS = [
    (r"broken|fail|error|down|not working|issue|erroring", IntegrationStatus.BROKEN),
    (r"plan|todo|to do|propos|future|roadmap|backlog|not started", IntegrationStatus.PLANNED),
    (r"active|live|working|ok|on|yes|running|healthy|production", IntegrationStatus.ACTIVE),
]


def parse_disposition(value: Any) -> Disposition | None:
    """Parse a rationalisation decision: Keep (tolerate), Invest, Replace (migrate), Cut…"""
    return _choose(
        value, _DISPOSITION, "disposition (tolerate, invest, migrate, eliminate, consolidate)"
    )


def parse_integration_status(value: Any) -> IntegrationStatus | None:
    """Parse an integration's health: Live or OK (active), Broken or Erroring, Planned."""
    return _choose(value, _LINK_STATUS, "integration status (active, broken, planned)")


def parse_status(value: Any) -> ToolStatus | None:
    """Parse a lifecycle status: Active, Live, In use, Trial, Pilot, Sunsetting, Cancelled…"""
    return _choose(value, _STATUS, "status (active, evaluating, sunsetting, retired)")


def parse_method(value: Any) -> IntegrationMethod | None:
    """Parse how two tools are connected: native, API, Zapier (iPaaS), CSV (file), manual."""
    return _choose(value, _METHOD, "integration method (native, API, iPaaS, file, manual)")


def parse_direction(value: Any) -> IntegrationDirection | None:
    """Parse one-way or two-way (bi-directional, sync, ↔)."""
    return _choose(value, _DIRECTION, "direction (one-way, two-way)")


_PRICING = [
    (
        r"usage|consum|metered|pay[- ]as|credit|volume|per (call|send|message|event|api)",
        PricingModel.USAGE,
    ),
    (r"seat|user|licen[cs]e|per (head|person)|named", PricingModel.PER_SEAT),
    (
        r"platform|flat|fixed|tier|database|contacts|records|enterprise|site|package|bundle",
        PricingModel.PLATFORM,
    ),
]


def parse_pricing(value: Any) -> PricingModel | None:
    """Parse how a contract is priced: per seat / per user, platform / flat fee / contacts
    tier, usage / metered / credits."""
    return _choose(value, _PRICING, "pricing model (per seat, platform, usage)")


def parse_frequency(value: Any) -> Frequency | None:
    """Parse how often data moves: real-time, hourly, daily, weekly, monthly, ad hoc."""
    if re.search(r"fortnight|bi-?weekly|every (two|2) weeks|quarter", text_of(value).casefold()):
        # "Fortnightly" holds "night": it is not daily, and not one of the kept frequencies.
        raise ValueError("not one of real-time, hourly, daily, weekly, monthly, ad hoc")
    return _choose(value, _FREQUENCY, "frequency")
