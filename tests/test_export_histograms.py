"""``vgtui export`` of histograms: TensorBoard's, a CSV of bins, and the paper's figures."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import Epoch
from tests.histograms import block_of
from vgtui.cli import main
from vgtui.config import RunConfig
from vgtui.distributions import QUANTITIES
from vgtui.records import RunStart, RunSummary
from vgtui.runlog import RunLogWriter, header_from_start

CONFIG = RunConfig(activation="tanh", init="standard", depth=3, width=6, samples=40, batch_size=10)
LAYERS = CONFIG.layer_names


def _values(scale: float):
    """Each quantity's values at a step: activations in (-1, 1), the rest normal, a zero or two."""

    def values(step: int, quantity: str) -> list[np.ndarray]:
        rng = np.random.default_rng(step)
        rows = len(LAYERS) if quantity in ("grad", "weight") else len(LAYERS) - 1
        if quantity == "activation":
            return [np.tanh(rng.normal(0, scale * (r + 1), 60)) for r in range(rows)]
        out = [rng.normal(0, 1e-3 * (r + 1), 60) for r in range(rows)]
        out[0][:2] = 0.0
        return out

    return values


def _log(logdir: Path, init: str = "standard", histograms: bool = True) -> tuple[Path, list]:
    config = CONFIG.replace(init=init, epochs=2)
    info = {"histogram_every": 2} if histograms else {}
    records: list = [RunStart(config, "CPU", LAYERS, 0.3, 2.2, started=1.8e9, info=info)]
    scale = 0.5 if init == "standard" else 2.0
    for number in (1, 2):
        records += Epoch(
            number,
            (number - 1) * 4 + 1,
            np.full(4, 2.0),
            np.full(4, 0.3),
            np.full((4, len(LAYERS), 8), 0.1),
            2.0,
            0.3,
        ).records()
        if histograms:
            first = (number - 1) * 4 + 1
            records.append(block_of([first, first + 2], _values(scale), 2, "tanh"))
    records.append(RunSummary(0.3, 0.3, 2.0, 1.0, 2, 8))
    with RunLogWriter.create(logdir, header_from_start(records[0])) as writer:
        for record in records:
            writer.write_record(record)
    return writer.path, records


def test_tensorboard_histograms_read_back_with_exact_totals(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import (
        HISTOGRAMS,
        SCALARS,
        EventAccumulator,
    )

    path, records = _log(tmp_path / "logs")
    root = tmp_path / "tb"
    assert main(["export", str(path), "--tensorboard", str(root)]) == 0
    acc = EventAccumulator(str(root / path.stem), size_guidance={SCALARS: 0, HISTOGRAMS: 0})
    acc.Reload()
    hidden = LAYERS[:-1]
    tags = {f"hist_{q}/{n}" for q in ("grad", "weight") for n in LAYERS}
    tags |= {f"hist_{q}/{n}" for q in ("activation", "backprop") for n in hidden}
    assert set(acc.Tags()["histograms"]) == tags
    assert "grad_sd/dense_1" in acc.Tags()["scalars"]  # beside today's scalars
    blocks = [r for r in records if hasattr(r, "counts")]
    for q in QUANTITIES:
        names = LAYERS if q in ("grad", "weight") else hidden
        for row, name in enumerate(names):
            events = acc.Histograms(f"hist_{q}/{name}")
            assert [e.step for e in events] == [1, 3, 5, 7]
            for event, (block, i) in zip(events, [(b, i) for b in blocks for i in range(2)]):
                h = event.histogram_value
                counts, (low, high, total, squares) = (
                    block.counts[q][i, row],
                    block.moments[q][i, row],
                )
                assert h.num == counts.sum() == 60  # exact: every value counted
                assert (h.sum, h.sum_squares, h.min, h.max) == (total, squares, low, high)
                assert sum(h.bucket) == h.num and h.bucket_limit[-1] > 1e300
                assert list(h.bucket_limit) == sorted(h.bucket_limit)


def test_a_csv_of_bin_edges_and_counts(tmp_path: Path, capsys) -> None:
    path, records = _log(tmp_path / "logs")
    plain, _ = _log(tmp_path / "logs", "glorot_uniform", histograms=False)
    out = tmp_path / "hist.csv"
    assert main(["export", str(path), str(plain), "--hist-csv", str(out)]) == 0
    assert "1 of 2 runs counted histograms" in capsys.readouterr().out
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["run", "step", "quantity", "layer", "slot", "low", "high", "count"]
    assert {r["run"] for r in rows} == {path.name}
    spec = records[-2].specs["grad"]
    by_histogram: dict[tuple, int] = {}
    for r in rows:
        key = (r["step"], r["quantity"], r["layer"])
        by_histogram[key] = by_histogram.get(key, 0) + int(r["count"])
        if r["slot"] == "bin" and r["quantity"] == "grad":
            low = np.float32(r["low"])
            i = int(np.flatnonzero(spec.edges == low)[0])  # an edge, exactly
            assert np.float32(r["high"]) == spec.edges[i + 1]
    assert len(by_histogram) == 4 * (2 * len(LAYERS) + 2 * (len(LAYERS) - 1))
    assert set(by_histogram.values()) == {60}  # each histogram's rows add up to its values
    zeros = [r for r in rows if r["slot"] == "zero"]
    assert zeros and all(r["count"] == "2" and r["low"] == r["high"] == "0.0" for r in zeros)


@pytest.mark.parametrize("figure", ["glorot2010-fig2", "glorot2010-fig6", "glorot2010-fig7"])
def test_the_papers_figures(tmp_path: Path, figure: str, capsys) -> None:
    standard, _ = _log(tmp_path / "logs", "standard")
    normalized, _ = _log(tmp_path / "logs", "glorot_uniform")
    target = tmp_path / "fig.png"
    argv = ["export", str(standard), str(normalized), "--figure", figure, "--png", str(target)]
    assert main(argv) == 0
    written = sorted(p.name for p in tmp_path.glob("fig*.png"))
    if figure == "glorot2010-fig2":  # a figure a run
        assert written == sorted(f"fig-{p.stem}.png" for p in (standard, normalized))
    else:  # the runs in one figure, a panel each
        assert written == ["fig.png"]
    for name in written:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_a_figure_of_histograms_needs_logs_that_hold_them(tmp_path: Path, capsys) -> None:
    plain, _ = _log(tmp_path / "logs", histograms=False)
    target = tmp_path / "fig.svg"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(plain), "--figure", "glorot2010-fig6", "--svg", str(target)])
    assert exit_info.value.code == 2 and not target.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no histograms" in err
    with pytest.raises(SystemExit):
        main(["export", str(plain), "--figure", "glorot2010-fig2", "--csv", str(target)])
    assert "--figure: only with --png or --svg" in capsys.readouterr().err
