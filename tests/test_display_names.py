"""Layer names fitted to a narrow column keep what tells layers apart, and read as names."""

import re

import pytest

from vgtui.display.names import fit_name, short_layer_name

#: The layer rows' name column at 80 columns.
NAME_WIDTH = 7


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
    assert fit_name("block_3/conv_1/kernel", 8) == "b3/cnv_1"
    assert fit_name("block_11/conv_1/kernel", 8) == "b11/c1"


@pytest.mark.parametrize(
    ("name", "width", "fitted"),
    [
        ("dense_1", NAME_WIDTH, "dense_1"),
        ("dense_10", NAME_WIDTH, "dns_10"),  # was "den…_10": the number is kept whole
        ("dense_10", 8, "dense_10"),  # a name of 8 fits a column of 8
        ("dense_123", NAME_WIDTH, "dns_123"),
        ("dense_1000", NAME_WIDTH, "d…_1000"),  # cut before the number, never in it
        ("conv2d_1/kernel", NAME_WIDTH, "cnv2d_1"),
        ("lstm/kernel", NAME_WIDTH, "lstm"),
        ("lstm/recurrent_kernel", NAME_WIDTH, "lstm/rc"),  # was "l/rec"
        ("lstm/recurrent_kernel", 8, "lstm/rec"),
        ("lstm_1/recurrent_kernel", NAME_WIDTH, "l1/rec"),
    ],
)
def test_a_name_in_the_name_column(name: str, width: int, fitted: str) -> None:
    assert fit_name(name, width) == fitted
    assert len(fitted) <= width


def test_the_layers_of_each_example_read_apart_at_80_columns() -> None:
    # The kernels the examples' models record (tests/keras_monitor/test_examples.py names them).
    models = {
        "mlp": [*(f"dense_{i}/kernel" if i else "dense/kernel" for i in range(9))],
        "rnn": ["lstm/kernel", "lstm/recurrent_kernel", "dense/kernel"],
        "cnn": ["conv2d/kernel", "conv2d_1/kernel", "dense/kernel", "dense_1/kernel"],
        "deep": [f"dense_{i}/kernel" for i in range(1, 33)],
    }
    for kernels in models.values():
        fitted = [fit_name(k, NAME_WIDTH) for k in kernels]
        assert len(set(fitted)) == len(kernels), fitted
        assert not any("…" in f for f in fitted), fitted  # every name whole or compacted
        # each keeps its layer's number, so the rows read in order
        for kernel, label in zip(kernels, fitted):
            number = re.search(r"_\d+$", kernel.split("/")[0])
            assert number is None or label.split("/")[0].endswith(number.group()), label
