"""Which PyTensor backend compiles dae's functions, and how to switch it.

On import, dae picks the fastest CPU backend it can find unless ``PYTENSOR_FLAGS``
already says which one to use:

* with a C++ compiler and Intel MKL (the ``mkl`` wheel, installed with dae on
  x86-64), PyTensor's C linker, linked against MKL: Theano's own fast path, where
  BLAS calls update the weights in place;
* otherwise PyTensor's default, its Numba linker.

:func:`use_device` switches to JAX (``"gpu"`` or ``"jax"``) and back (``"cpu"``);
:func:`describe` says what is in use.
"""

import os
import sys
from pathlib import Path

import pytensor

_CPU = {"mode": None, "blas": None}


def mkl_library():
    """Path of the MKL runtime library in this Python environment, or None."""
    for prefix in dict.fromkeys([sys.prefix, sys.base_prefix]):
        found = sorted(Path(prefix, "lib").glob("libmkl_rt.so*"))
        if found and Path(prefix, "lib", "libiomp5.so").exists():
            return found[-1]
    return None


def configure_cpu():
    """Use the C linker with MKL when both are there, unless flags say otherwise."""
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if any(key in flags for key in ("mode", "linker", "blas__ldflags", "gcc__cxxflags")):
        return
    library = mkl_library()
    if library is None or not pytensor.config.cxx:
        return
    # MKL's wheel ships only versioned names (libmkl_rt.so.N), hence "-l:"; MKL
    # threads through Intel OpenMP, named too so PyTensor sees a library it knows.
    folder = library.parent
    pytensor.config.blas__ldflags = f"-L{folder} -l:{library.name} -liomp5 -Wl,-rpath,{folder}"
    # glibc declares its vectorised exp/log (libmvec, within 4 ulp) only under
    # __FAST_MATH__; defining the macro alone lets GCC vectorise the sigmoid and
    # softplus loops without -ffast-math's unsafe reordering.
    pytensor.config.gcc__cxxflags = f"{pytensor.config.gcc__cxxflags} -D__FAST_MATH__".strip()
    pytensor.config.mode = "CVM"
    _CPU.update(mode="CVM", blas=str(library))
