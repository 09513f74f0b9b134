"""How wide a line of text is, to wrap it before it is drawn: SVG does not wrap text, and a
name cut at a guessed width ("AWS SaaS O…") is a wrong diagram.

Widths are DejaVu Sans advance widths in thousandths of an em (printable ASCII), measured
once from the font. DejaVu Sans is what Linux browsers draw `sans-serif` with and is wider
than Arial or Helvetica, so text measured here fits wherever the page is opened. Other
characters: an accented letter as its base letter, a wide East Asian character as a full em,
anything else as the widest Latin letter.
"""

from __future__ import annotations

import unicodedata

# DejaVuSans.ttf, characters 32 to 126.
REGULAR = (
    318,
    401,
    460,
    838,
    636,
    950,
    780,
    275,
    390,
    390,
    500,
    838,
    318,
    361,
    318,
    337,
    636,
    636,
    636,
    636,
    636,
    636,
    636,
    636,
    636,
    636,
    337,
    337,
    838,
    838,
    838,
    531,
    1000,
    684,
    686,
    698,
    770,
    632,
    575,
    775,
    752,
    295,
    295,
    656,
    557,
    863,
    748,
    787,
    603,
    787,
    695,
    635,
    611,
    732,
    684,
    989,
    685,
    611,
    685,
    390,
    337,
    390,
    838,
    500,
    500,
    613,
    635,
    550,
    635,
    615,
    352,
    635,
    634,
    278,
    278,
    579,
    278,
    974,
    634,
    612,
    635,
    635,
    411,
    521,
    392,
    634,
    592,
    818,
    592,
    592,
    525,
    636,
    337,
    636,
    838,
)
# DejaVuSans-Bold.ttf, characters 32 to 126.
BOLD = (
    348,
    456,
    521,
    838,
    696,
    1002,
    872,
    306,
    457,
    457,
    523,
    838,
    380,
    415,
    380,
    365,
    696,
    696,
    696,
    696,
    696,
    696,
    696,
    696,
    696,
    696,
    400,
    400,
    838,
    838,
    838,
    580,
    1000,
    774,
    762,
    734,
    830,
    683,
    683,
    821,
    837,
    372,
    372,
    775,
    637,
    995,
    837,
    850,
    733,
    850,
    770,
    720,
    682,
    812,
    774,
    1103,
    771,
    724,
    725,
    457,
    365,
    457,
    838,
    500,
    500,
    675,
    716,
    593,
    716,
    678,
    435,
    716,
    712,
    343,
    343,
    665,
    343,
    1042,
    712,
    687,
    716,
    716,
    493,
    595,
    478,
    712,
    652,
    924,
    645,
    652,
    582,
    712,
    365,
    712,
    838,
)
WIDE, OTHER = 1000, 1003  # thousandths of an em
SAFETY = 1.04  # other faces (Verdana, Segoe UI) run a little wider than DejaVu Sans here and there


def _advance(char: str, table: tuple[int, ...]) -> int:
    code = ord(char)
    if 32 <= code < 127:
        return table[code - 32]
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return WIDE
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and 32 <= ord(base) < 127:
        return table[ord(base) - 32]
    return OTHER


def width(text: str, size: float, bold: bool = False) -> float:
    """The width of text drawn at size px, in px (generous rather than tight)."""
    table = BOLD if bold else REGULAR
    return sum(_advance(c, table) for c in text) * size * SAFETY / 1000


def wrap(text: str, size: float, room: float, bold: bool = False) -> list[str]:
    """Break text into lines no wider than room: at spaces, and inside a word only when the
    word alone is wider than a line. Nothing is dropped: joined, the lines are the text."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if width(candidate, size, bold) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while width(word, size, bold) > room:  # a word longer than the line: split it
            cut = max(1, _fitting(word, size, room, bold))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def _fitting(word: str, size: float, room: float, bold: bool) -> int:
    total = 0.0
    for index, char in enumerate(word):
        total += _advance(char, BOLD if bold else REGULAR) * size * SAFETY / 1000
        if total > room:
            return index
    return len(word)
