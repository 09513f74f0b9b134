"""Safe pieces of the HTML stackmap writes: text escaped for HTML, data escaped for a script.

Catalog text (tool names, owners, vendors) is user data: in HTML it is always escaped, and in
a <script> block it travels as JSON with every character that could close the block or open
markup written as a \\u escape, so `</script>` or `<svg onload=…>` stays text.
"""

from __future__ import annotations

import html
import json
from typing import Any

_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_SCRIPT_SAFE[0x2028] = "\\u2028"
_SCRIPT_SAFE[0x2029] = "\\u2029"


def text(value: object) -> str:
    """Escape text for HTML element content and quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value: Any) -> str:
    """Return JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_SAFE)
