"""A deep sigmoid MLP on scikit-learn's digits: its gradients vanish on the way to the input.

Eight hidden layers of 32 sigmoid units, trained with plain SGD: the first
layer's gradients end up about five decades smaller than the output layer's,
and accuracy stays at chance. Relu with He's initialization trains the same
network to about 0.98::

    python examples/digits_mlp.py                                     # vanishes
    python examples/digits_mlp.py --activation relu --init he_normal  # does not
    python examples/digits_mlp.py --optimizer adam --title "sigmoid, Adam"  # your own name
    vgtui view runs                 # in another terminal: follow it live
    vgtui --model examples/digits_mlp.py   # or let vgtui train it (a / i switch)
"""

from __future__ import annotations

import argparse

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

EPOCHS = 20
BATCH_SIZE = 32
DEPTH = 8
WIDTH = 32


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 digits as 64 features in [0, 1]; 80% to train, 20% to validate."""
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x, x_val, y, y_val = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target
    )
    return x, y, x_val, y_val


def build_model(activation: str | None = None, kernel_initializer: object = None) -> keras.Model:
    """DEPTH hidden Dense layers of WIDTH units and a softmax over the 10 digits, compiled."""
    activation = activation or "sigmoid"
    kernel_initializer = kernel_initializer or "glorot_uniform"
    hidden = [
        keras.layers.Dense(WIDTH, activation=activation, kernel_initializer=kernel_initializer)
        for _ in range(DEPTH)
    ]
    model = keras.Sequential(
        [keras.Input((64,)), *hidden, keras.layers.Dense(10, activation="softmax")],
        name="digits_mlp",
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(argv: list[str] | None = None) -> None:
    """Train with plain ``fit`` and the GradientMonitor writing a run log."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--activation", default=None, help="e.g. relu, tanh (default sigmoid)")
    parser.add_argument("--init", default=None, help="a Keras initializer, e.g. he_normal")
    parser.add_argument("--optimizer", default=None, help="a Keras optimizer, e.g. adam")
    parser.add_argument("--logdir", default="runs", help="where the run log goes (default runs)")
    parser.add_argument(
        "--title",
        default=None,
        help="what to call the run (default: what tells it apart, e.g. digits_mlp · relu · "
        "he_normal · sgd); it names the run log and its row in vgtui's comparison",
    )
    args = parser.parse_args(argv)

    from vgtui.keras import GradientMonitor

    x, y, x_val, y_val = load_data()
    model = build_model(args.activation, args.init)
    if args.optimizer:  # compiled again with another optimizer, the same loss and metrics
        model.compile(args.optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        validation_data=(x_val, y_val),
        callbacks=[GradientMonitor(args.logdir, title=args.title)],
        verbose=2,
    )


if __name__ == "__main__":
    main()
