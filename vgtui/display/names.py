"""Layer names as a narrow screen shows them."""

from __future__ import annotations

import re

#: Suffixes of a Keras variable's path, and what a narrow column calls them.
SUFFIXES = (("/recurrent_kernel", "/rec"), ("/embeddings", "/emb"), ("/kernel", ""))
#: Vowels a compacted segment leaves out after its first letter (``dense`` -> ``dns``).
_VOWELS = re.compile(r"[aeiou]")
#: A name's trailing number, with the separator before it (``_10`` of ``dense_10``).
_TRAILING_NUMBER = re.compile(r"[_\-.]?\d+$")


def short_layer_name(name: str) -> str:
    """``dense_3/kernel`` -> ``dense_3``, ``lstm/recurrent_kernel`` -> ``lstm/rec``."""
    for suffix, short in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + short
    return name


def _initials(segment: str) -> str:
    """``block_12`` -> ``b12``: a segment's first letter and its digits."""
    digits = "".join(ch for ch in segment if ch.isdigit())
    return (segment[:1] + digits) if segment else segment


def _compact(segment: str) -> str:
    """``dense_10`` -> ``dns_10``, ``rec`` -> ``rc``: the vowels after the first letter left out."""
    return segment[:1] + _VOWELS.sub("", segment[1:])


def fit_name(name: str, width: int) -> str:
    """``name`` shortened to ``width`` cells, keeping what tells layers apart.

    First the usual suffix goes (``/kernel``); then, in turn until one fits:
    every part without its vowels but the first letter (``dense_10`` ->
    ``dns_10``, ``lstm/rec`` -> ``lstm/rc``); the leading parts of a path cut
    to their initials and numbers (``block_3/conv_1`` -> ``b3/conv_1``), the
    last part whole, then without its vowels (``b3/cnv_1``); every part so
    (``b3/c1``). A name still too long is cut before its trailing number,
    which it keeps (``dns…_1000``), or else in the middle.
    """
    name = short_layer_name(name)
    if len(name) <= width:
        return name
    parts = name.split("/")
    candidates = ["/".join(_compact(p) for p in parts)]
    if len(parts) > 1:
        leading = [_initials(p) for p in parts[:-1]]
        candidates += [
            "/".join([*leading, parts[-1]]),
            "/".join([*leading, _compact(parts[-1])]),
            "/".join(_initials(p) for p in parts),
        ]
    for candidate in candidates:
        if len(candidate) <= width:
            return candidate
    compact = candidates[0]
    number = _TRAILING_NUMBER.search(compact)
    if number and len(number.group()) + 2 <= width:
        tail = number.group()
        return f"{compact[: width - 1 - len(tail)]}…{tail}"
    head = (width - 1) // 2
    tail_len = width - 1 - head
    return f"{name[:head]}…{name[-tail_len:]}"
