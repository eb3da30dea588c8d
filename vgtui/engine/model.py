"""The MLP, its parameters kept in one flat variable.

Every kernel and bias lives in one float32 vector, so the optimizer updates one
tensor and the per-layer statistics are segment reductions over it: a handful
of device operations per step, whatever the depth. The mathematics is that of
the tutorial's Keras ``Sequential`` of ``Dense`` layers: the optimizers are
element-wise, and each kernel is drawn by the Keras initializer of its name.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from vgtui.config import RunConfig

INPUT_DIM = 2


def make_initializer(name: str, seed: int) -> keras.initializers.Initializer:
    """Return the kernel initializer called ``name``, seeded.

    ``normal`` is the tutorial's RandomNormal(0, 1); ``small`` is RandomNormal(0, 0.01);
    the rest are Keras's initializers of the same name.
    """
    if name == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=1.0, seed=seed)
    if name == "small":
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.01, seed=seed)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed}})


def activation_fn(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return the Keras activation called ``name`` (``swish`` is SiLU)."""
    return keras.activations.get("silu" if name == "swish" else name)


class FlatMLP:
    """Input(2) → depth × Dense(width, activation) → Dense(1); the output's sigmoid is in the loss.

    Attributes:
        params: every kernel, input side first, then every bias.
        shapes: (fan_in, units) of each layer's kernel, input side first.
        segment_ids: for each entry of ``params``, its layer's index where it is
            a kernel entry, ``n_layers`` where it is a bias entry (so, sorted).
        kernel_sizes: number of entries in each layer's kernel.

    """

    def __init__(self, config: RunConfig) -> None:
        """Draw the initial weights; layer i's initializer is seeded with seed + i."""
        self.config = config
        self.activation = activation_fn(config.activation)
        units = [config.width] * config.depth + [1]
        fan_ins = [INPUT_DIM, *units[:-1]]
        self.shapes = list(zip(fan_ins, units))
        kernels = self._draw_kernels(config)
        biases = [np.zeros(out, np.float32) for _, out in self.shapes]
        self.sizes = [len(p) for p in kernels + biases]
        ids = [np.full(len(k), i) for i, k in enumerate(kernels)]
        ids.append(np.full(sum(len(b) for b in biases), len(self.shapes)))
        self.params = keras.Variable(np.concatenate(kernels + biases), name="params")
        self.segment_ids = tf.constant(np.concatenate(ids), tf.int32)
        self.kernel_sizes = tf.constant([len(k) for k in kernels], tf.float32)

    def _draw_kernels(self, config: RunConfig) -> list[np.ndarray]:
        """Draw each layer's initial kernel, flattened; layer i's seed is seed + i."""
        return [
            np.asarray(make_initializer(config.init, config.seed + i)(shape), np.float32).ravel()
            for i, shape in enumerate(self.shapes)
        ]

    def reset(self, config: RunConfig) -> None:
        """Give the parameters the initial values ``config`` draws (same shapes)."""
        kernels = self._draw_kernels(config)
        biases = np.zeros(sum(out for _, out in self.shapes), np.float32)
        self.params.assign(np.concatenate([*kernels, biases]))

    @property
    def n_layers(self) -> int:
        """Number of Dense layers, the output layer included."""
        return len(self.shapes)

    def unpack(self, flat: tf.Tensor) -> list[tuple[tf.Tensor, tf.Tensor]]:
        """Split a flat parameter vector into (kernel, bias) per layer."""
        parts = tf.split(flat, self.sizes)
        n = self.n_layers
        return [(tf.reshape(parts[i], shape), parts[n + i]) for i, shape in enumerate(self.shapes)]

    def forward(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """Return output logits (batch, 1) and the hidden layers' pre-activations and outputs.

        The hidden tensors are stacked, (depth, batch, width), input side first.
        """
        h = x
        pres, outs = [], []
        layers = self.unpack(tf.convert_to_tensor(self.params))
        for kernel, bias in layers[:-1]:
            pre = tf.nn.bias_add(tf.matmul(h, kernel), bias)
            h = self.activation(pre)
            pres.append(pre)
            outs.append(h)
        kernel, bias = layers[-1]
        return tf.nn.bias_add(tf.matmul(h, kernel), bias), tf.stack(pres), tf.stack(outs)

    def logits(self, x: tf.Tensor) -> tf.Tensor:
        """Return the output logits (batch, 1) alone: the forward pass, keeping nothing else."""
        h = x
        layers = self.unpack(tf.convert_to_tensor(self.params))
        for kernel, bias in layers[:-1]:
            h = self.activation(tf.nn.bias_add(tf.matmul(h, kernel), bias))
        kernel, bias = layers[-1]
        return tf.nn.bias_add(tf.matmul(h, kernel), bias)

    def column_logits(self, x_columns: tf.Tensor) -> tf.Tensor:
        """The output logits, (1, n), of inputs laid out as columns, (2, n).

        The same network as :meth:`logits`, computed as kernelᵀ × columns: on
        the CPU, a narrow network's small kernels multiply long rows about
        three times faster than long columns multiply the small kernels.
        """
        h = x_columns
        layers = self.unpack(tf.convert_to_tensor(self.params))
        for kernel, bias in layers[:-1]:
            h = self.activation(tf.matmul(kernel, h, transpose_a=True) + bias[:, None])
        kernel, bias = layers[-1]
        return tf.matmul(kernel, h, transpose_a=True) + bias[:, None]

    def kernels(self) -> list[np.ndarray]:
        """The current kernels as numpy arrays, input side first."""
        return [k.numpy() for k, _ in self.unpack(tf.convert_to_tensor(self.params))]

    def biases(self) -> list[np.ndarray]:
        """The current biases as numpy arrays, input side first."""
        return [b.numpy() for _, b in self.unpack(tf.convert_to_tensor(self.params))]
