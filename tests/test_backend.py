"""The CPU backend dae compiles with, and PyTensor's own settings overriding it."""

import os
import subprocess
import sys

import numpy as np
import pytensor
import pytest

import dae
from dae.backend import mkl_library


@pytest.mark.skipif(
    mkl_library() is None or not pytensor.config.cxx, reason="no MKL wheel or no C++ compiler"
)
def test_with_mkl_dae_compiles_with_the_c_linker_and_in_place_gemm():
    settings = dae.backend.cpu_settings()
    assert settings["mode"] == "CVM"
    assert "-D__FAST_MATH__" in settings["gcc__cxxflags"]
    assert str(mkl_library().name) in settings["blas__ldflags"]
    # dae's choice is its own: PyTensor's settings are left as they were.
    assert pytensor.config.mode == "Mode"
    assert str(mkl_library().name) not in pytensor.config.blas__ldflags
    da = dae.dA(np.random.RandomState(0), n_visible=30, n_hidden=20)
    x = pytensor.shared(np.random.RandomState(1).rand(40, 30).astype("float32"))
    fn = da.pretraining_function(x, 10, corruption_level=0.1)
    ops = {str(node.op) for node in fn.maker.fgraph.apply_nodes}
    assert "Gemm{inplace}" in ops  # the weight update is done in place by BLAS
    assert dae.backend.describe().startswith(f"PyTensor {pytensor.__version__}, C linker")


def test_pytensor_flags_win():
    env = {**os.environ, "PYTENSOR_FLAGS": "mode=NUMBA"}
    code = "import dae, pytensor; print(pytensor.config.mode); print(dae.backend.describe())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.splitlines()
    assert out[0] == "NUMBA"
    assert out[1].endswith("Numba linker")
