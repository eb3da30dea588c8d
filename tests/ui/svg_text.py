"""Print the text of a Textual SVG screenshot, line by line."""
import html, re, sys
from collections import defaultdict

def lines(svg: str):
    rows = defaultdict(list)
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        x, y, t = float(m.group(1)), float(m.group(2)), html.unescape(m.group(3))
        rows[y].append((x, t))
    out = []
    for y in sorted(rows):
        s = ""
        for x, t in sorted(rows[y]):
            col = int(round(x / 12.2))
            s = s.ljust(col) + t
        out.append(s.replace("\xa0", " "))
    return out

if __name__ == "__main__":
    for line in lines(open(sys.argv[1]).read()):
        print(line)
