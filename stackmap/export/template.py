"""`stackmap template`: a blank import workbook with stackmap's columns, dropdowns and a read-me.

Every header is one the importer recognises, so a filled-in template imports with no profile.
Dropdown lists live on a Lists sheet and are referenced as ranges: Excel repairs workbooks
whose inline lists exceed 255 characters.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from stackmap.domain import (
    BillingPeriod,
    Frequency,
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    PricingModel,
    ToolStatus,
)
from stackmap.export.safe import atomic_write
from stackmap.reference import Reference

ROWS = 500  # rows that carry dropdowns and formats
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")

# (header, width, number format, list on the Lists sheet, note)
TOOL_COLUMNS: list[tuple[str, int, str | None, str | None, str]] = [
    ("Name", 28, None, None, "The tool as your team calls it (required)."),
    ("Vendor", 20, None, None, "The company that sells it."),
    ("Category", 30, None, "categories", "A landscape subcategory (dropdown)."),
    ("Status", 12, None, "statuses", "evaluating, active, sunsetting or retired."),
    ("Business owner", 20, None, None, "The person or team accountable."),
    ("Owner email", 26, None, None, "The business owner's email."),
    ("Technical owner", 20, None, None, "The admin who runs it."),
    ("Business units", 20, None, None, "Separate several with semicolons."),
    ("Description", 30, None, None, "What it is used for."),
    (
        "Capabilities",
        30,
        None,
        "capabilities",
        "Pick one, or type several separated by semicolons.",
    ),
    ("Journey stages", 20, None, "stages", "Customer-journey stages it serves (semicolons)."),
    ("Annual cost", 14, "#,##0.00", None, "Cost per year (or use Amount and Billing period)."),
    ("Amount", 12, "#,##0.00", None, "Amount per billing period."),
    ("Currency", 9, None, None, "ISO code: USD, EUR, GBP…"),
    ("Billing period", 14, None, "periods", "How often the amount is billed."),
    ("Term (months)", 10, "0", None, "Contract length in months (needed for multi_year)."),
    ("Start date", 12, "yyyy-mm-dd", None, "Contract start."),
    ("End date", 12, "yyyy-mm-dd", None, "Contract end."),
    ("Renewal date", 13, "yyyy-mm-dd", None, "Next renewal."),
    ("Notice period (days)", 12, "0", None, "Days of notice before the renewal."),
    ("Auto-renew", 11, None, "yesno", "Yes or No."),
    ("Seats purchased", 10, "0", None, "Licences bought."),
    ("Seats assigned", 10, "0", None, "Licences given to people."),
    ("Seats active", 10, "0", None, "Licences actually used (last 30 days)."),
    (
        "Pricing model",
        12,
        None,
        "pricing",
        "per_seat (idle seats are waste), platform (flat fee or tier) or usage.",
    ),
    ("Cost centre", 12, None, None, "Finance cost centre."),
    ("Tags", 16, None, None, "Separate several with semicolons."),
    ("Notes", 30, None, None, "Anything else."),
    ("Connected apps", 28, None, None, "Tools it sends data to (semicolons)."),
]
INTEGRATION_COLUMNS: list[tuple[str, int, str | None, str | None, str]] = [
    ("From", 26, None, None, "Tool the data comes from."),
    ("To", 26, None, None, "Tool the data goes to."),
    ("Direction", 12, None, "directions", "one_way or two_way."),
    ("Method", 12, None, "methods", "native, api, ipaas, file, manual."),
    ("Data objects", 26, None, None, "What is carried: contacts; leads…"),
    ("Frequency", 12, None, "frequencies", "How often."),
    ("Status", 10, None, "link_statuses", "active, broken or planned."),
    ("Owner", 20, None, None, "Who keeps it running."),
    ("Notes", 30, None, None, "Anything else."),
]


def write_template(path: Path, reference: Reference) -> Path:
    """Write the blank import workbook to path (atomically) and return the path."""
    workbook = Workbook()
    readme = workbook.active
    assert readme is not None
    readme.title = "Read me"
    lists = _lists(workbook, reference)
    tools = workbook.create_sheet("Tools")
    _sheet(tools, TOOL_COLUMNS, lists)
    links = workbook.create_sheet("Integrations")
    _sheet(links, INTEGRATION_COLUMNS, lists)
    _readme(readme)
    workbook.move_sheet("Lists", offset=2)
    with atomic_write(path, "wb") as stream:
        workbook.save(stream)
    return path


def _lists(workbook: Workbook, reference: Reference) -> dict[str, str]:
    sheet = workbook.create_sheet("Lists")
    columns = {
        "categories": [s.name for c in reference.categories for s in c.subcategories],
        "capabilities": [c.name for a in reference.areas for c in a.capabilities],
        "stages": [s.name for s in reference.journey],
        "statuses": [s.value for s in ToolStatus],
        "periods": [p.value for p in BillingPeriod],
        "pricing": [p.value for p in PricingModel],
        "yesno": ["Yes", "No"],
        "directions": [d.value for d in IntegrationDirection],
        "methods": [m.value for m in IntegrationMethod if m is not IntegrationMethod.UNKNOWN],
        "frequencies": [f.value for f in Frequency],
        "link_statuses": [s.value for s in IntegrationStatus],
    }
    ranges = {}
    for index, (name, values) in enumerate(columns.items(), 1):
        letter = get_column_letter(index)
        sheet.cell(1, index, name).font = Font(bold=True)
        for row, value in enumerate(values, 2):
            sheet.cell(row, index, value)
        ranges[name] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
        sheet.column_dimensions[letter].width = max(14, max(len(v) for v in values) + 2)
    return ranges


def _sheet(
    sheet: Worksheet,
    columns: list[tuple[str, int, str | None, str | None, str]],
    lists: dict[str, str],
) -> None:
    for index, (header, width, number_format, choice, _) in enumerate(columns, 1):
        cell = sheet.cell(1, index, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if number_format:
            for row in range(2, ROWS + 2):
                sheet.cell(row, index).number_format = number_format
        if choice:
            multiple = choice in ("capabilities", "stages")
            validation = DataValidation(
                type="list",
                formula1=f"={lists[choice]}",
                allow_blank=True,
                # Several capabilities may be typed by hand: warn, do not refuse.
                errorStyle="information" if multiple else "stop",
                showErrorMessage=not multiple,
            )
            validation.add(f"{letter}2:{letter}{ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"


def _readme(sheet: Worksheet) -> None:
    lines = [
        ("stackmap import template", Font(bold=True, size=14)),
        (
            "Fill in one row per tool on the Tools sheet, and one row per connection on the "
            "Integrations sheet. Then run: stackmap import THIS-FILE.xlsx",
            None,
        ),
        (
            "Blank cells change nothing when you import again; columns you add are kept as extra "
            "attributes of each tool.",
            None,
        ),
        (
            "Amounts may be typed as people type them ($74,900, 2,100/month, 48k); dates as "
            "2027-01-31 or your usual format.",
            None,
        ),
        ("", None),
        ("Tools columns", Font(bold=True)),
    ]
    lines += [(f"{header}: {note}", None) for header, _, _, _, note in TOOL_COLUMNS]
    lines += [("", None), ("Integrations columns", Font(bold=True))]
    lines += [(f"{header}: {note}", None) for header, _, _, _, note in INTEGRATION_COLUMNS]
    for row, (text, font) in enumerate(lines, 1):
        cell = sheet.cell(row, 1, text)
        if font:
            cell.font = font
    sheet.column_dimensions["A"].width = 110
