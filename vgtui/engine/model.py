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
from vgtui.data.tasks import input_dim, n_classes

#: Inputs of an example of the data sets on the plane (the tutorial's).
INPUT_DIM = 2


def layer_shapes(config: RunConfig) -> list[tuple[int, int]]:
    """(fan_in, units) of each Dense layer's kernel, input side first, the output layer last.

    The output is one unit (a sigmoid's logit) for two classes, else one per class (softmax).
    """
    classes = n_classes(config.dataset)
    units = [config.width] * config.depth + [1 if classes == 2 else classes]
    return list(zip([input_dim(config.dataset), *units[:-1]], units))


def make_initializer(name: str, seed: int) -> keras.initializers.Initializer:
    """Return the kernel initializer called ``name``, seeded.

    ``normal`` is the tutorial's RandomNormal(0, 1); ``small`` is RandomNormal(0, 0.01);
    ``standard`` is Glorot & Bengio's "commonly used heuristic" U[-1/√n, 1/√n], n the
    fan-in (a variance of 1/(3n)); the rest are Keras's initializers of the same name.
    """
    if name == "standard":
        return keras.initializers.VarianceScaling(
            scale=1.0 / 3.0, mode="fan_in", distribution="uniform", seed=seed
        )
    if name == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=1.0, seed=seed)
    if name == "small":
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.01, seed=seed)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed}})


def activation_fn(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return the Keras activation called ``name`` (``swish`` is SiLU)."""
    return keras.activations.get("silu" if name == "swish" else name)


class FlatMLP:
    """Input → depth × Dense(width, activation) → Dense(1 or classes), activation in the loss.

    The input is a point's 2 coordinates, or an image's pixels; the output is one
    logit (its sigmoid in the loss) for two classes, else one a class (softmax).

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
        self.shapes = layer_shapes(config)
        kernels = self._draw_kernels(config)
        biases = [np.zeros(out, np.float32) for _, out in self.shapes]
        self.sizes = [len(p) for p in kernels + biases]
        ids = [np.full(len(k), i) for i, k in enumerate(kernels)]
        ids.append(np.full(sum(len(b) for b in biases), len(self.shapes)))
        self.params = keras.Variable(np.concatenate(kernels + biases), name="params")
        self.segment_ids = tf.constant(np.concatenate(ids), tf.int32)
        self.kernel_sizes = tf.constant([len(k) for k in kernels], tf.float32)
        #: Entries of each segment id: each kernel's, then all the biases'.
        self.segment_sizes = [len(k) for k in kernels] + [sum(len(b) for b in biases)]

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
        """Return output logits (batch, outputs) and the hidden layers' pre-activations and outputs.

        The hidden tensors are stacked, (depth, batch, width), input side first.
        """
        logits, pres, outs, _ = self.forward_layers(x)
        return logits, tf.stack(pres), tf.stack(outs)

    def forward_layers(
        self, x: tf.Tensor
    ) -> tuple[tf.Tensor, list[tf.Tensor], list[tf.Tensor], tf.Tensor]:
        """The forward pass, keeping each hidden layer's tensors as the next layer takes them.

        Returns:
            The output logits (batch, outputs); each hidden layer's pre-activations and
            outputs, (batch, width) each, input side first (a gradient with respect to
            an output is the back-propagated gradient at that layer); and the flat
            parameters the pass read.

        """
        h = x
        pres, outs = [], []
        flat = tf.convert_to_tensor(self.params)
        layers = self.unpack(flat)
        for kernel, bias in layers[:-1]:
            pre = tf.nn.bias_add(tf.matmul(h, kernel), bias)
            h = self.activation(pre)
            pres.append(pre)
            outs.append(h)
        kernel, bias = layers[-1]
        return tf.nn.bias_add(tf.matmul(h, kernel), bias), pres, outs, flat

    def logits(self, x: tf.Tensor) -> tf.Tensor:
        """Return the output logits (batch, outputs) alone: the forward pass, keeping nothing."""
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
