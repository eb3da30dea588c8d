"""Colours and glyphs: each kept run its own, each layer on a colour-blind-safe ramp.

Runs take the Okabe-Ito palette (safe for the common colour blindnesses),
then hues a golden angle apart, so no two kept runs share a colour; each also
has a glyph, so runs stay apart without colour (``NO_COLOR``). Layers and
decades use viridis, a perceptually uniform sequential map: dark is small.
"""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]

#: Okabe & Ito's colour-blind-safe palette (black left out: it is the background), ordered so
#: that the first runs stay apart in 256 colours too: its yellow, which xterm's palette draws
#: next to its orange (221 and 214), comes last.
OKABE_ITO: tuple[RGB, ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (213, 94, 0),
    (204, 121, 167),
    (0, 114, 178),
    (240, 228, 66),
)
#: Glyphs that tell runs apart without colour; a count coprime with the palette's.
RUN_GLYPHS: tuple[str, ...] = ("●", "▲", "■", "◆", "✚", "✖", "★", "▼", "◉", "☐", "✦")
#: Viridis, sampled at nine stops from its dark end to its bright end.
VIRIDIS: tuple[RGB, ...] = (
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
)


def run_color(number: int) -> RGB:
    """The colour of the run numbered ``number`` (1-based); no two runs share one."""
    if number <= len(OKABE_ITO):
        return OKABE_ITO[number - 1]
    hue = (number * 0.618033988749895) % 1.0
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.65, 0.95)
    return (round(red * 255), round(green * 255), round(blue * 255))


def run_glyph(number: int) -> str:
    """The glyph of the run numbered ``number`` (1-based)."""
    return RUN_GLYPHS[(number - 1) % len(RUN_GLYPHS)]


def viridis(t: float) -> RGB:
    """The viridis colour at ``t`` in [0, 1] (0 dark, 1 bright)."""
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    f = t - i
    a, b = VIRIDIS[i], VIRIDIS[i + 1]
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def layer_color(rank: int, count: int, no_color: bool = False) -> RGB | str:
    """The colour of the ``rank``-th of ``count`` layers drawn, input side darkest."""
    if no_color:
        return "white"
    # Start past viridis's darkest quarter, which vanishes on a dark background.
    return viridis(0.25 + 0.75 * rank / max(count - 1, 1))


def layer_marker(rank: int) -> str:
    """The glyph of the ``rank``-th layer drawn, for screens without colour."""
    return RUN_GLYPHS[rank % len(RUN_GLYPHS)]
