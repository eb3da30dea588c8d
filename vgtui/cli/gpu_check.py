"""Whether TensorFlow sees a GPU, asked of a child process so that this one stays free of it.

``--device gpu`` where there is no GPU is bad input, found before anything
starts: the live app must draw its first frame before TensorFlow is imported,
so the command line asks a short-lived child Python instead (a few seconds,
only when ``--device gpu`` is given).
"""

from __future__ import annotations

import subprocess
import sys

from vgtui.config import NO_GPU, ConfigError, RunConfig

_PROBE = (
    "import json, vgtui.engine\n"
    "from vgtui.engine.device import gpu_names\n"
    "print(json.dumps(gpu_names()))\n"
)


def visible_gpus(timeout: float = 300.0) -> list[str]:
    """The names of the GPUs TensorFlow sees, from a child Python process.

    Raises:
        ConfigError: the child could not start TensorFlow, or gave no answer.

    """
    import json  # here: the live app's start-up does not need it

    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise ValueError(result.returncode)
        names = json.loads(result.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        raise ConfigError(
            "--device: cannot check for a GPU: TensorFlow did not start; use auto or cpu"
        ) from None
    return [str(name) for name in names]


def check_device(config: RunConfig) -> None:
    """Refuse ``--device gpu`` where TensorFlow sees no GPU.

    Raises:
        ConfigError: with :data:`NO_GPU`.

    """
    if config.device == "gpu" and not visible_gpus():
        raise ConfigError(NO_GPU)
