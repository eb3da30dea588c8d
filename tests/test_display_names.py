"""Layer names fitted to a narrow column keep what tells layers apart."""

import pytest

from vgtui.display.names import fit_name, short_layer_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("dense_3/kernel", "dense_3"),
        ("lstm/recurrent_kernel", "lstm/rec"),
        ("embedding/embeddings", "embedding/emb"),
        ("output", "output"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert short_layer_name(name) == short


def test_fitting_keeps_the_numbers_of_nested_layers_apart() -> None:
    names = [f"block_{b}/conv_{c}/kernel" for b in range(12) for c in range(2)]
    fitted = [fit_name(n, 8) for n in names]
    assert all(len(f) <= 8 for f in fitted)
    assert len(set(fitted)) == len(names), "two layers share a label"
    assert fit_name("block_3/conv_1/kernel", 9) == "b3/conv_1"
    assert fit_name("dense_10", 7) == "den…_10"
    assert fit_name("dense_1", 7) == "dense_1"
