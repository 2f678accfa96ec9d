"""Which PyTensor backend compiles dae's functions, and how to switch it.

Importing dae changes no PyTensor setting: other PyTensor programs in the same
process (a PyMC model, say) keep their float type, mode and compiler flags. dae
passes its own choice to each function it compiles (:func:`function`), the
fastest CPU backend it finds:

* with a C++ compiler and Intel MKL (the ``mkl`` wheel, installed with dae on
  x86-64 Linux), PyTensor's C linker linked against MKL: Theano's own fast path,
  where BLAS calls update the weights in place;
* otherwise PyTensor's default, its Numba linker.

A mode set in PyTensor's config (``PYTENSOR_FLAGS=mode=NUMBA``, or
``pytensor.config.change_flags(mode="JAX")`` around the code that builds the
functions) wins over dae's choice, as do BLAS or compiler flags given in
``PYTENSOR_FLAGS``. dae's variables are float32 whatever ``floatX`` says;
:func:`configure` (which the scripts call, and :mod:`dae.theano` on import) makes
float32 the process's default too, as the tutorials ran with
``THEANO_FLAGS=floatX=float32``.

:func:`use_device` switches dae's functions compiled afterwards to PyTensor's JAX
backend on a GPU (``"gpu"``) or on JAX's default device (``"jax"``), and back
(``"cpu"``); :func:`describe` says what is in use. Under JAX, :func:`function`
puts the shared data on the device once instead of copying it there on every
call.
"""

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytensor
from pytensor.tensor.random.type import RandomGeneratorType

from dae.functions import CompiledFunction

__all__ = [
    "DEVICES",
    "STEPS_PER_CALL",
    "DeviceError",
    "configure",
    "cpu_settings",
    "default_steps_per_call",
    "describe",
    "function",
    "mkl_library",
    "scanned",
    "use_device",
]

#: The devices :func:`use_device` takes.
DEVICES = ("cpu", "gpu", "jax")

# PyTensor's own default mode: any other value was chosen by the user, and stands.
_PYTENSOR_DEFAULT_MODE = "Mode"

_device = "cpu"  # set by use_device; dae's own state, not PyTensor's


class DeviceError(RuntimeError):
    """The requested device cannot be used: JAX is missing or sees no GPU."""


def configure():
    """Make float32 the process's default float type (PyTensor's ``floatX``), as
    the tutorials ran with ``THEANO_FLAGS=floatX=float32``, unless
    ``PYTENSOR_FLAGS`` names one. The scripts call it first; a library that
    imports dae need not, since dae's own variables are float32 regardless."""
    if "floatX" not in os.environ.get("PYTENSOR_FLAGS", ""):
        pytensor.config.floatX = "float32"


def mkl_library():
    """Path of the MKL runtime library in this Python environment, or None."""
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
        found = sorted(Path(prefix, "lib").glob("libmkl_rt.so*"))
        if found and Path(prefix, "lib", "libiomp5.so").exists():
            return found[-1]
    return None


def cpu_settings():
    """The PyTensor settings of dae's CPU backend: the C linker (mode ``"CVM"``)
    with MKL and its compiler flags, as a dict for ``pytensor.config.change_flags``
    plus ``"mode"``; empty (PyTensor's default) without MKL or a C++ compiler, or
    when ``PYTENSOR_FLAGS`` names a mode, linker, BLAS or compiler flags."""
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if any(key in flags for key in ("mode", "linker", "blas__ldflags", "gcc__cxxflags")):
        return {}
    library = mkl_library()
    if library is None or not pytensor.config.cxx:
        return {}
    # MKL's wheel ships only versioned names (libmkl_rt.so.N), hence "-l:"; MKL
    # threads through Intel OpenMP, named too so PyTensor sees a library it knows.
    folder = library.parent
    # glibc declares its vectorised exp/log (libmvec, within 4 ulp) only under
    # __FAST_MATH__; defining the macro alone lets GCC vectorise the sigmoid and
    # softplus loops without -ffast-math's unsafe reordering.
    return {
        "mode": "CVM",
        "blas__ldflags": f"-L{folder} -l:{library.name} -liomp5 -Wl,-rpath,{folder}",
        "gcc__cxxflags": f"{pytensor.config.gcc__cxxflags} -D__FAST_MATH__".strip(),
    }


def _settings():
    """The PyTensor settings dae's next function compiles with: ``{"mode": "JAX"}`` after
    :func:`use_device` named a JAX device; none (PyTensor's config as it stands)
    where that config names a mode other than PyTensor's default; else
    :func:`cpu_settings`."""
    if _device != "cpu":
        return {"mode": "JAX"}
    if pytensor.config.mode != _PYTENSOR_DEFAULT_MODE:
        return {}
    return cpu_settings()


def _mode():
    """The name of the mode dae's next function compiles with."""
    return _settings().get("mode", pytensor.config.mode)


def use_device(device):
    """Compile dae's functions built from now on for ``device``.

    Parameters
    ----------
    device : {"cpu", "gpu", "jax"}
        ``"cpu"``, the CPU backend (see the module's text); ``"gpu"``, PyTensor's
        JAX backend on the first GPU that JAX sees (``pip install "dae[gpu]"``);
        or ``"jax"``, the same backend on JAX's default device, the CPU where
        there is no GPU: the GPU path, checked on a machine without one.

    Raises
    ------
    ValueError
        For another name.
    DeviceError
        When JAX is missing or sees no GPU.
    """
    global _device
    if device not in DEVICES:
        raise ValueError(f"device must be 'cpu', 'gpu' or 'jax', got {device!r}")
    if device == "cpu":
        _device = device
        return
    try:
        import jax
    except ImportError as e:
        raise DeviceError(f'device "{device}" needs JAX: pip install "dae[gpu]"') from e
    if device == "gpu":
        try:
            gpus = jax.devices("gpu")
        except RuntimeError as e:
            raise DeviceError(f'device "gpu": JAX finds no GPU ({e})') from e
        jax.config.update("jax_default_device", gpus[0])
    _device = device


def describe():
    """One line naming the backend that compiles dae's new functions, e.g. for a log."""
    settings = _settings()
    mode = settings.get("mode", pytensor.config.mode)
    if mode == "JAX":
        import jax

        devices = ", ".join(str(d) for d in jax.devices())
        return f"PyTensor {pytensor.__version__}, JAX backend on {devices}"
    if mode == "CVM":
        blas = settings.get("blas__ldflags", pytensor.config.blas__ldflags) or "no BLAS"
        return f"PyTensor {pytensor.__version__}, C linker, BLAS: {blas}"
    if mode in ("Mode", "FAST_RUN", "NUMBA") and pytensor.config.linker in ("auto", "numba"):
        return f"PyTensor {pytensor.__version__}, Numba linker"
    return f"PyTensor {pytensor.__version__}, mode {mode}, linker {pytensor.config.linker}"


#: Training steps per call of a compiled function, by PyTensor mode (1 if not here):
#: where a call costs more than a step, several steps go in one call.
STEPS_PER_CALL = {"JAX": 50}


def default_steps_per_call():
    """How many training steps one call takes under dae's mode (STEPS_PER_CALL)."""
    return STEPS_PER_CALL.get(_mode(), 1)


def function(
    inputs, outputs=None, defaults=None, checks=None, n_batches=None, steps_per_call=1, **kwargs
):
    """``pytensor.function`` as a :class:`dae.functions.CompiledFunction`, with the
    data kept on the device under JAX, and the steps of several calls in one.

    ``defaults``, ``checks`` and ``n_batches`` go to the CompiledFunction, the
    rest to ``pytensor.function``. PyTensor's JAX backend reads a shared
    variable's NumPy value anew, copying it from the host, on every call; this
    puts each shared input that still holds a NumPy array on the device once.
    Updated values come back as device arrays and stay there.

    ``steps_per_call`` (None: :func:`default_steps_per_call`), for a training step whose
    first input is the minibatch index: above 1, the function also gets a
    ``chunk``, a function of the same inputs that takes that many steps, on
    minibatches ``index`` to ``index + steps_per_call - 1``, through one ``scan``
    (JAX's ``lax.scan``), and returns their outputs stacked. Each step sees the
    updates of the one before, as in separate calls.
    """
    fn = _compile(inputs, outputs, defaults, checks, n_batches, **kwargs)
    steps = default_steps_per_call() if steps_per_call is None else steps_per_call
    if steps > 1:
        chunk_inputs, chunk_outputs, updates = scanned(
            inputs, outputs, kwargs["updates"], kwargs.get("givens"), steps
        )
        chunk_kwargs = {k: v for k, v in kwargs.items() if k not in ("updates", "givens")}
        with _jumped_generators(updates):
            fn.chunk = _compile(
                chunk_inputs, chunk_outputs, defaults, checks, None, updates=updates, **chunk_kwargs
            )
        fn.steps = fn.chunk.steps = steps
    return fn


def scanned(inputs, outputs, updates, givens, steps):
    """The inputs, outputs and updates of ``steps`` consecutive training steps in
    one ``scan``: the step of ``outputs`` and ``updates`` (after ``givens``) on
    minibatch ``index + t`` for t = 0 .. steps - 1, where ``index = inputs[0]``."""
    from pytensor.graph.replace import graph_replace
    from pytensor.scan import scan

    index, *others = inputs
    first = index.type(index.name)
    single = not isinstance(outputs, list | tuple)
    outputs = [outputs] if single else list(outputs)
    updates = dict(updates)
    graphs = [*outputs, *updates.values()]
    if givens:
        graphs = graph_replace(graphs, dict(givens))

    def step(t, first, *values):
        replaced = graph_replace(graphs, {index: first + t, **dict(zip(others, values))})
        return replaced[: len(outputs)], dict(zip(updates, replaced[len(outputs) :]))

    stacked, scan_updates = scan(
        step, sequences=[pytensor.tensor.arange(steps)], non_sequences=[first, *others]
    )
    stacked = stacked[0] if single and isinstance(stacked, list) else stacked
    return [first, *others], stacked, scan_updates


@contextmanager
def _jumped_generators(updates):
    """Under JAX, the shared generators that ``updates`` advance hold jumped-ahead
    copies of themselves inside the block.

    PyTensor's JAX backend gives each compiled function its own copy of a shared
    generator, taken when it compiles; a chunk compiled from the same state as its
    one-step function would draw the same masks as it. Compiled from a copy jumped
    ahead (an independent stream of the same bit generator), it draws others. On
    the other backends the function and its chunk share the generator itself.
    """
    generators = [
        variable
        for variable in updates
        if _mode() == "JAX"
        and isinstance(variable.type, RandomGeneratorType)
        and hasattr(variable.get_value(borrow=True).bit_generator, "jumped")
    ]
    saved = [variable.get_value(borrow=True) for variable in generators]
    for variable, generator in zip(generators, saved):
        variable.set_value(np.random.Generator(generator.bit_generator.jumped()), borrow=True)
    try:
        yield
    finally:
        for variable, generator in zip(generators, saved):
            variable.set_value(generator, borrow=True)


def _compile(inputs, outputs, defaults, checks, n_batches, **kwargs):
    """``pytensor.function`` of the arguments, under :func:`_settings` (a
    ``mode`` in ``kwargs`` wins), as a CompiledFunction, its shared data on the
    device under JAX."""
    flags = _settings()
    mode = kwargs.setdefault("mode", flags.pop("mode", None))
    if (mode or pytensor.config.mode) != "JAX":
        with pytensor.config.change_flags(**flags):
            fn = pytensor.function(inputs, outputs, **kwargs)
        return CompiledFunction(fn, defaults, checks, n_batches)
    import jax

    with warnings.catch_warnings():
        # JAX gives each function its own copy of a shared generator, which it
        # advances from call to call: masks still change, which is all dae needs.
        warnings.filterwarnings("ignore", "The RandomType SharedVariables", UserWarning)
        fn = pytensor.function(inputs, outputs, **kwargs)
    for container in fn.input_storage:
        if isinstance(container.storage[0], np.ndarray):
            container.storage[0] = jax.device_put(container.storage[0])
    return CompiledFunction(fn, defaults, checks, n_batches)
