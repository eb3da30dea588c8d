"""A small LSTM that reads each of scikit-learn's 8x8 digits row by row.

Eight time steps of eight pixels, an LSTM of 32 units, a softmax layer. The
monitor shows the input kernel, the recurrent kernel and the output kernel::

    python examples/digits_rnn.py
    vgtui --model examples/digits_rnn.py
"""

from __future__ import annotations

import argparse

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

EPOCHS = 15
BATCH_SIZE = 32


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits as sequences of 8 rows of 8 pixels in [0, 1]; 80% train, 20% validation."""
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")
    x, x_val, y, y_val = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return x, y, x_val, y_val


def build_model(activation: str | None = None, kernel_initializer: object = None) -> keras.Model:
    """LSTM(32) over the rows -> Dense(10, softmax), compiled with Adam."""
    activation = activation or "tanh"
    kernel_initializer = kernel_initializer or "glorot_uniform"
    model = keras.Sequential(
        [
            keras.Input((8, 8)),
            keras.layers.LSTM(32, activation=activation, kernel_initializer=kernel_initializer),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="digits_rnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(argv: list[str] | None = None) -> None:
    """Train with plain ``fit`` and the GradientMonitor writing a run log."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--activation", default=None, help="e.g. relu (default tanh)")
    parser.add_argument("--init", default=None, help="a Keras initializer, e.g. orthogonal")
    parser.add_argument("--logdir", default="runs", help="where the run log goes (default runs)")
    args = parser.parse_args(argv)

    from vgtui.keras import GradientMonitor

    x, y, x_val, y_val = load_data()
    model = build_model(args.activation, args.init)
    model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        validation_data=(x_val, y_val),
        callbacks=[GradientMonitor(args.logdir)],
        verbose=2,
    )


if __name__ == "__main__":
    main()
