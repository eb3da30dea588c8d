"""A small CNN on scikit-learn's digits, each 8x8 image a one-channel picture.

Two 3x3 convolutions and a softmax layer; relu by default::

    python examples/digits_cnn.py
    python examples/digits_cnn.py --activation sigmoid   # watch conv2d/kernel fade
    vgtui --model examples/digits_cnn.py
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
    """The digits as (8, 8, 1) images in [0, 1]; 80% to train, 20% to validate."""
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    x, x_val, y, y_val = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return x, y, x_val, y_val


def build_model(activation: str | None = None, kernel_initializer: object = None) -> keras.Model:
    """Conv(16) -> Conv(32) -> Flatten -> Dense(10, softmax), compiled with Adam."""
    activation = activation or "relu"
    kernel_initializer = kernel_initializer or "glorot_uniform"
    conv = {"activation": activation, "kernel_initializer": kernel_initializer}
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(16, 3, padding="same", **conv),
            keras.layers.Conv2D(32, 3, strides=2, **conv),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="digits_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(argv: list[str] | None = None) -> None:
    """Train with plain ``fit`` and the GradientMonitor writing a run log."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--activation", default=None, help="e.g. tanh, sigmoid (default relu)")
    parser.add_argument("--init", default=None, help="a Keras initializer, e.g. he_normal")
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
