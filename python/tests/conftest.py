"""Shared fixtures: the golden traces beside the checkout, and the backends to test.

As the Rust tests do: the traces are read from ``../shared/conformance`` (beside the repository);
without them the trace tests skip with the reason printed, and fail when ``CI`` is set. Without
a GPU adapter the GPU cases skip, and fail when ``SPIKEGPU_REQUIRE_GPU`` is set.
"""

import os
from pathlib import Path

import pytest

import spikegpu

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO.parent / "shared" / "conformance"


def conformance_dir():
    """The conformance folder, or a skip (a failure under CI) when it is absent."""
    if CONFORMANCE.is_dir():
        return CONFORMANCE
    reason = "no conformance traces at {} (clone the shared folder beside the repository)".format(CONFORMANCE)
    if os.environ.get("CI"):
        pytest.fail(reason)
    print("SKIP: " + reason)
    pytest.skip(reason)


def cell_traces():
    return sorted(CONFORMANCE.glob("*.json")) if CONFORMANCE.is_dir() else []


def network_traces():
    folder = CONFORMANCE / "network"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


_gpu_checked = {}


def gpu_available():
    """Whether a GPU adapter opens ("gpu": WGPU_BACKEND's choice); the reason when not."""
    if "gpu" not in _gpu_checked:
        try:
            spikegpu.Population("LIFCell", 1, backend="gpu", tau_m=10.0)
            _gpu_checked["gpu"] = None
        except spikegpu.NoAdapterError as e:
            _gpu_checked["gpu"] = str(e)
    return _gpu_checked["gpu"]


def require_backend(backend):
    """Skips a GPU test without an adapter (fails instead under SPIKEGPU_REQUIRE_GPU)."""
    if backend == "cpu":
        return
    reason = gpu_available()
    if reason is None:
        return
    if os.environ.get("SPIKEGPU_REQUIRE_GPU"):
        pytest.fail("SPIKEGPU_REQUIRE_GPU is set but no GPU adapter opens: " + reason)
    print("SKIP: no GPU adapter: " + reason)
    pytest.skip("no GPU adapter: " + reason)


@pytest.fixture(params=["cpu", "gpu"])
def backend(request):
    require_backend(request.param)
    return request.param
