"""dae as a good neighbour: importing it changes nothing global in the process.

Each check runs in a fresh interpreter, since the test session itself has called
:func:`dae.backend.configure` (see conftest.py).
"""

import json
import os
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

# The state of the process that an import could change, as JSON: every PyTensor
# setting, NumPy's error handling, the warning filters, the root logger, the
# signal handlers, the environment and the recursion limit.
SNAPSHOT = """
def snapshot():
    import logging, signal, warnings
    import numpy, pytensor
    from pytensor.tensor.sharedvar import TensorSharedVariable
    return {
        "pytensor": str(pytensor.config),
        "numpy": numpy.geterr(),
        "warnings": [repr(f) for f in warnings.filters],
        "logging": [logging.getLogger().level, len(logging.getLogger().handlers)],
        "signals": {str(s): repr(signal.getsignal(s)) for s in signal.valid_signals()
                    if signal.getsignal(s) is not None},
        "environ": dict(os.environ),
        "recursion": sys.getrecursionlimit(),
        "bool": "__bool__" in vars(TensorSharedVariable),
    }
"""


def run_python(code, env=None):
    """Run ``code`` in a fresh interpreter; its stdout's last line, parsed as JSON."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("PYTENSOR_FLAGS", None)
    result = subprocess.run(
        [sys.executable, "-c", "import os, sys, json\n" + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_dae_changes_no_setting_of_the_process():
    before, after, vector = run_python(
        SNAPSHOT
        + """
before = snapshot()
import dae, dae.data, dae.images, dae.training, dae.models, dae.objectives
import pytensor.tensor as pt
print(json.dumps([before, snapshot(), pt.vector("x").dtype]))
"""
    )
    assert before == after
    assert vector == "float64"


def test_a_float64_graph_keeps_its_type_and_mode_beside_daes_float32_functions():
    """The issue's PyMC case: a user's float64 graph compiled after ``import dae``
    is float64 and compiled with PyTensor's default mode, while dae's own
    functions in the same process are float32 and use dae's backend."""
    result = run_python(
        """
import numpy as np, pytensor, pytensor.tensor as pt
import dae
x = pt.vector("x")
users = pytensor.function([x], x * 0.1)
da = dae.dA(np.random.RandomState(0), n_visible=12, n_hidden=5)
data = pytensor.shared(np.random.RandomState(1).rand(20, 12).astype("float32"))
step = da.pretraining_function(data, 10, corruption_level=0.3)
cost = step(0, corruption=0.3, lr=0.1)  # Python floats for dae's float32 scalars
print(json.dumps({
    "users_dtype": str(users(np.ones(3)).dtype),
    "users_linker": type(users.maker.mode.linker).__name__,
    "default_linker": type(pytensor.compile.mode.get_default_mode().linker).__name__,
    "dae_cost": str(np.asarray(cost).dtype),
    "dae_params": sorted({str(p.dtype) for p in da.params}),
    "dae_linker": type(step.maker.mode.linker).__name__,
    "floatX": pytensor.config.floatX,
    "cpu": dae.backend.cpu_settings().get("mode"),
}))
"""
    )
    assert result["floatX"] == "float64"
    assert result["users_dtype"] == "float64"
    assert result["users_linker"] == result["default_linker"]
    assert result["dae_cost"] == "float32"
    assert result["dae_params"] == ["float32"]
    if result["cpu"] == "CVM":
        assert result["dae_linker"] == "VMLinker"
        assert result["dae_linker"] != result["users_linker"]


def test_configure_and_dae_theano_opt_in_to_float32():
    result = run_python(
        """
import pytensor, dae
seen = [pytensor.config.floatX]
dae.backend.configure()
seen.append(pytensor.config.floatX)
print(json.dumps(seen))
"""
    )
    assert result == ["float64", "float32"]
    result = run_python(
        """
import pytensor, dae.theano as theano, dae.theano.tensor as T
print(json.dumps([pytensor.config.floatX, T.matrix("x").dtype, bool(theano.shared(0.0))]))
"""
    )
    assert result == ["float32", "float32", True]


def test_dae_imports_where_fcntl_does_not():
    """Windows has no ``fcntl``: importing dae, and locking a folder, must not need it."""
    result = run_python(
        """
sys.modules["fcntl"] = None  # any import of it now raises ImportError
import tempfile
import dae, dae.files, dae.images, dae.training
from dae.data import DataError
folder = tempfile.mkdtemp()
with dae.files.lock_folder(folder):
    try:
        dae.files.lock_folder(folder)
        refused = False
    except DataError:
        refused = True
print(json.dumps([sys.modules["fcntl"] is None, refused]))
"""
    )
    assert result == [True, True]
