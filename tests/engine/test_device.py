"""--device auto|cpu|gpu, with TensorFlow's visible GPUs faked where there is none."""

import threading

import pytest
import tensorflow as tf

from vgtui.config import NO_GPU, ConfigError, RunConfig
from vgtui.engine import device as device_module
from vgtui.engine import trainer as trainer_module
from vgtui.engine.device import (
    TOO_SMALL,
    auto_gpu_threshold,
    choose_device,
    gpu_names,
    step_multiply_adds,
)
from vgtui.engine.model import FlatMLP
from vgtui.engine.trainer import Trainer
from vgtui.records import RunStart

FAKE_GPU = "NVIDIA Fake H100 80GB"
TUTORIAL = RunConfig(epochs=1)


@pytest.fixture
def fake_gpu(monkeypatch):
    """Make TensorFlow list one GPU called FAKE_GPU (its ops still run on the CPU)."""
    real_list = tf.config.list_physical_devices
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")

    def list_devices(device_type=None):
        return [gpu] if device_type == "GPU" else real_list(device_type)

    def details(device):
        assert device == gpu
        return {"device_name": FAKE_GPU, "compute_capability": (9, 0)}

    monkeypatch.setattr(tf.config, "list_physical_devices", list_devices)
    monkeypatch.setattr(tf.config.experimental, "get_device_details", details)
    return gpu


def test_this_machine_has_no_gpu_so_auto_and_cpu_say_cpu():
    assert gpu_names() == []  # the fakes below are what stands in for one
    for device in ("auto", "cpu"):
        placement = choose_device(RunConfig(device=device, depth=64, width=1024))
        assert (placement.device, placement.label) == ("/CPU:0", "CPU")


def test_gpu_without_a_gpu_is_bad_input_in_one_line():
    with pytest.raises(ConfigError) as info:
        choose_device(RunConfig(device="gpu"))
    assert str(info.value) == NO_GPU and "\n" not in NO_GPU
    with pytest.raises(ConfigError, match="sees no GPU"):
        Trainer(TUTORIAL.replace(device="gpu"))


def test_multiply_adds_are_three_products_of_each_kernel_per_example():
    for config in (TUTORIAL, RunConfig(depth=3, width=7, batch_size=5)):
        kernel_entries = sum(i * o for i, o in FlatMLP(config).shapes)
        assert step_multiply_adds(config) == 3 * config.batch_size * kernel_entries
    assert step_multiply_adds(TUTORIAL) == 3 * 32 * (2 * 5 + 3 * 5 * 5 + 5)


def test_auto_keeps_the_tutorials_network_on_the_cpu_and_says_why(fake_gpu):
    placement = choose_device(TUTORIAL)
    assert (placement.device, placement.label) == ("/CPU:0", TOO_SMALL)
    assert placement.label == "CPU (auto: network too small for the GPU)"


def test_auto_puts_the_deepest_widest_network_on_the_gpu(fake_gpu):
    placement = choose_device(RunConfig(depth=64, width=1024))
    assert (placement.device, placement.label) == ("/GPU:0", FAKE_GPU)


def test_auto_switches_at_the_threshold(fake_gpu):
    # depth 8, width 128: 345,216 multiply-adds an example a step; the threshold is 11 M.
    per_example = step_multiply_adds(RunConfig(depth=8, width=128, batch_size=1))
    below = 11_000_000 // per_example
    assert below * per_example < auto_gpu_threshold(8) <= (below + 1) * per_example
    small = RunConfig(depth=8, width=128, batch_size=below)
    big = RunConfig(depth=8, width=128, batch_size=below + 1)
    assert choose_device(small).device == "/CPU:0"
    assert choose_device(big).device == "/GPU:0"


def test_asked_devices_are_obeyed_whatever_the_size(fake_gpu):
    assert choose_device(TUTORIAL.replace(device="gpu")) == device_module.Placement(
        "/GPU:0", FAKE_GPU
    )
    big = RunConfig(depth=64, width=1024, device="cpu")
    assert choose_device(big) == device_module.Placement("/CPU:0", "CPU")


def test_the_run_reports_and_uses_its_device(fake_gpu, monkeypatch):
    asked = []
    real_device = tf.device

    def recording(name):
        asked.append(name)
        return real_device(name)

    monkeypatch.setattr(trainer_module.tf, "device", recording)
    config = RunConfig(epochs=1, depth=2, width=3, samples=40, seed=4)
    for device, label in (("gpu", FAKE_GPU), ("auto", TOO_SMALL), ("cpu", "CPU")):
        asked.clear()
        records = []
        trainer = Trainer(config.replace(device=device))
        network = trainer.network
        trainer.run(records.append, threading.Event())
        start = records[0]
        assert isinstance(start, RunStart) and start.device == label
        want = "/GPU:0" if device == "gpu" else "/CPU:0"
        assert network.placement.device == want
        assert asked and set(asked) == {want}  # every compiled call placed there
    # A network placed for the GPU is not lent to a CPU run of the same shape.
    cpu_key = trainer_module.shape_key(config, True, "/CPU:0")
    gpu_key = trainer_module.shape_key(config, True, "/GPU:0")
    assert cpu_key != gpu_key
    assert len(trainer_module._POOL[gpu_key]) == 1 and len(trainer_module._POOL[cpu_key]) == 1
