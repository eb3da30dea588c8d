"""Layer names as a narrow screen shows them."""

from __future__ import annotations

#: Suffixes of a Keras variable's path, and what a narrow column calls them.
SUFFIXES = (("/recurrent_kernel", "/rec"), ("/embeddings", "/emb"), ("/kernel", ""))


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


def fit_name(name: str, width: int) -> str:
    """``name`` shortened to ``width`` cells, keeping what tells layers apart.

    First the usual suffix goes (``/kernel``); then the leading parts of a
    path are cut to their initials and numbers (``block_3/conv_1`` ->
    ``b3/conv_1``), then every part (``b3/c1``); a name still too long is cut
    in the middle.
    """
    name = short_layer_name(name)
    if len(name) <= width:
        return name
    parts = name.split("/")
    if len(parts) > 1:
        leading = "/".join([*(_initials(p) for p in parts[:-1]), parts[-1]])
        if len(leading) <= width:
            return leading
        every = "/".join(_initials(p) for p in parts)
        if len(every) <= width:
            return every
    head = (width - 1) // 2
    tail = width - 1 - head
    return f"{name[:head]}…{name[-tail:]}"
