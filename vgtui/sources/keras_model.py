"""A user's Keras model as a run source: ``vgtui --model FILE``.

The file defines ``build_model(activation=None, kernel_initializer=None)`` and
``load_data()`` (see :mod:`vgtui.keras.model_file`). Each run builds the model
afresh with the activation and initializer the run asks for (None: the
model's own) and fits it with the gradient monitor, between whose steps stop
and pause are honoured. TensorFlow and Keras are imported when the run starts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from vgtui.config import RunConfig
from vgtui.records import Emit, RunSummary
from vgtui.sources import EventSource


class KerasModelSource(EventSource):
    """Trains the model a file builds, with ``fit`` and the gradient monitor.

    Args:
        path: the model file.
        activation: passed to ``build_model``; None keeps the model's own.
        init: a vgtui initializer name passed to ``build_model``; None keeps its own.
        epochs: epochs to train, unless the file sets ``EPOCHS`` and this is None.
        batch_size: batch size, unless the file sets ``BATCH_SIZE`` and this is None.
        seed: seeds Keras before building, so runs can be repeated.
        fallback: (epochs, batch size) where neither the caller nor the file says.
        histograms: every how many steps the monitor counts per-layer histograms
            (True: every 100th; False or 0: none).

    """

    #: Not the built-in network: the run's RunStart describes the model instead.
    own_model = True

    def __init__(
        self,
        path: Path,
        activation: str | None,
        init: str | None,
        epochs: int | None,
        batch_size: int | None,
        seed: int | None,
        fallback: tuple[int, int] = (RunConfig().epochs, RunConfig().batch_size),
        histograms: bool | int = True,
    ) -> None:
        """Prepare a run; nothing is imported or built until :meth:`start`."""
        super().__init__()
        self.path = path
        self.activation = activation
        self.init = init
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.fallback = fallback
        self.histograms = histograms

    def start(self, emit: Emit) -> RunSummary | None:
        """Load the file, build its model and fit it; ModelFileError says what went wrong."""
        if self.stopped.is_set():
            return None
        from vgtui.keras.model_file import load_model_file, train_model_file

        model_file = load_model_file(self.path)
        if self.stopped.is_set():
            return None
        epochs = self.epochs or model_file.epochs or self.fallback[0]
        batch_size = self.batch_size or model_file.batch_size or self.fallback[1]
        return train_model_file(
            model_file,
            self.activation,
            self.init,
            epochs,
            batch_size,
            emit,
            self.stopped,
            self.paused,
            seed=self.seed,
            histograms=self.histograms,
        )


def model_source_factory(
    path: Path,
    first: RunConfig,
    explicit: frozenset[str] = frozenset(),
    histograms: bool | int = True,
) -> Callable[[RunConfig], KerasModelSource]:
    """The source factory of ``vgtui --model FILE`` (its runs count ``histograms``).

    The first run keeps the model's own activation and initializer unless the
    command line named them (``explicit``); once the user switches (``a``,
    ``i``, a sweep) the run's config says which. Epochs and batch size come
    from the command line when given there, else from the file.
    """

    def factory(config: RunConfig) -> KerasModelSource:
        own_activation = config.activation == first.activation and "activation" not in explicit
        own_init = config.init == first.init and "init" not in explicit
        return KerasModelSource(
            path,
            None if own_activation else config.activation,
            None if own_init else config.init,
            config.epochs if "epochs" in explicit else None,
            config.batch_size if "batch_size" in explicit else None,
            config.seed,
            histograms=histograms,
        )

    return factory
