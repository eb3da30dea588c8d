"""The text of a Textual SVG screenshot, line by line (colours aside): what a reader sees."""

from __future__ import annotations

import html
import re
import sys
from collections import defaultdict
from pathlib import Path

#: Width of one terminal cell in Textual's SVG export, in SVG units.
CELL = 12.2


def lines(svg: str) -> list[str]:
    """The screenshot's text, one string per terminal line."""
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for match in re.finditer(
        r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg
    ):
        x, y, text = float(match.group(1)), float(match.group(2)), html.unescape(match.group(3))
        rows[y].append((x, text))
    out = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / CELL)) + text
        out.append(line.replace("\xa0", " "))
    return out


if __name__ == "__main__":
    for line in lines(Path(sys.argv[1]).read_text()):
        print(line)
