"""Saving and loading models: a NumPy ``.npz`` file of named arrays and a JSON header.

A model file holds one array per parameter, under the names the model's
``named_params()`` gives (an SdA's ``W1, b1, b_prime1, ..., W_out, b_out``), and,
under the reserved key ``__header__``, a 0-d string array of JSON::

    {"format": "dae-model", "version": "0.2.0", "class": "SdA",
     "config": {"n_ins": 784, "hidden_layers_sizes": [500, 500], ...},
     "params": {"W1": {"shape": [784, 500], "dtype": "float32"}, ...},
     "rng": {"bit_generator": "PCG64", "state": {...}, ...}}

``config`` holds the constructor arguments that rebuild the model and ``rng`` the
state of its corruption generator ``theano_rng``, if it has one. Any program reads
the file with ``np.load(path, allow_pickle=False)``; :func:`load` rebuilds the model
through its constructor and then sets the parameters and the generator, so nothing
is ever unpickled. Pickling a model stores the same three things.
"""

import json

import numpy as np

from dae.checks import DataError
from dae.files import load_arrays, save_arrays
from dae.random import generator_from_state
from dae.version import __version__

__all__ = ["load", "register", "save"]

HEADER = "__header__"
FORMAT = "dae-model"


# Model classes by name, for load(); every subclass of dae.models.base.Model is
# registered when it is defined.
MODELS = {}


def register(cls):
    """Make ``cls`` loadable by :func:`load` under its class name; returns ``cls``.

    The first class of a name keeps it, so a subclass that reuses the name of one of
    dae's models does not take over the files saved by that model.
    """
    MODELS.setdefault(cls.__name__, cls)
    return cls


def save(model, path):
    """Write ``model`` to ``path``; see the module docstring for the format."""
    config, arrays, rng = snapshot(model)
    header = {
        "format": FORMAT,
        "version": __version__,
        "class": type(model).__name__,
        "config": config,
        "params": {
            name: {"shape": list(a.shape), "dtype": str(a.dtype)} for name, a in arrays.items()
        },
    }
    if rng is not None:
        header["rng"] = rng
    save_arrays(path, {HEADER: np.array(json.dumps(header, default=_plain)), **arrays})


def load(path, input=None, cls=None):
    """The model saved in ``path``, of whichever class its header names.

    Parameters
    ----------
    path : str or path-like
        A file written by a model's ``save``.
    input : symbolic matrix, optional
        The model's input; a new one if None.
    cls : type, optional
        The class the file must hold, or None for any of dae's models.

    Raises
    ------
    DataError
        Naming the file and what is wrong with it (a DataError is a ValueError).
    """
    header, arrays = _read(path)
    name = header.get("class")
    if cls is not None and name != cls.__name__:
        raise DataError(f"{path}: holds a {name}, not a {cls.__name__}")
    if cls is None:
        cls = MODELS.get(name) if isinstance(name, str) else None
        if cls is None:
            raise DataError(f"{path}: unknown model class {name!r}; known: {sorted(MODELS)}")
    _check_declared(path, header.get("params"), arrays)
    config = header.get("config")
    if not isinstance(config, dict):
        raise DataError(f"{path}: the header's config is not a JSON object")
    try:
        model = cls.from_config(config, input=input)
    except (TypeError, ValueError, KeyError) as e:
        raise DataError(f"{path}: the header's config does not build a {name}: {e}") from e
    restore(model, arrays, header.get("rng"), path)
    return model


def snapshot(model):
    """(config, {name: array}, generator state or None) of ``model``."""
    arrays = {}
    for name, param in model.named_params().items():
        if not hasattr(param, "get_value"):
            raise ValueError(
                f"cannot save {type(model).__name__} parameter {name}: it is an expression "
                f"({param}), not a shared variable; save the model that owns its weights"
            )
        arrays[name] = np.asarray(param.get_value())  # a copy, on any backend
    rng = getattr(model, "theano_rng", None)
    if rng is None:
        return model.config(), arrays, None
    generator = rng.get_value(borrow=True)
    if not isinstance(generator, np.random.Generator):
        kind = type(generator).__name__
        raise ValueError(f"cannot save theano_rng: it holds a {kind}, not a numpy.random.Generator")
    return model.config(), arrays, generator.bit_generator.state


def _plain(value):
    """NumPy scalars and arrays as the Python numbers and lists JSON takes."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} {value!r} cannot be written as JSON")


def _read(path):
    """(header, {name: array}) of a model file, or a DataError saying why not."""
    arrays = load_arrays(path)
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):
            raise DataError(f"{path}: entry {name!r} is not a NumPy array")
    if HEADER not in arrays:
        raise DataError(f"{path}: no {HEADER} entry; not a model saved by dae")
    text = arrays.pop(HEADER)
    if text.ndim != 0 or text.dtype.kind != "U":
        raise DataError(f"{path}: {HEADER} is not a string")
    try:
        header = json.loads(text.item())
    except ValueError as e:
        raise DataError(f"{path}: {HEADER} is not JSON ({e})") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DataError(f"{path}: {HEADER} does not describe a {FORMAT!r} file")
    _check_version(path, header.get("version"))
    return header, arrays


def _check_version(path, version):
    """Refuse a file written by a newer major version of dae, whose format may differ."""
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        raise DataError(f"{path}: the header's version {version!r} is not a version") from None
    if major > int(__version__.split(".")[0]):
        raise DataError(
            f"{path}: written by dae {version}, a newer major version than this dae "
            f"({__version__}); its format may differ, so upgrade dae to read it"
        )


def _check_declared(path, declared, arrays):
    """Refuse arrays that the header's ``params`` does not describe exactly."""
    if not isinstance(declared, dict):
        raise DataError(f"{path}: the header has no params table")
    for name, spec in declared.items():
        if name not in arrays:
            raise DataError(f"{path}: parameter {name} is missing")
        a = arrays[name]
        spec = spec if isinstance(spec, dict) else {}
        if spec.get("shape") != list(a.shape) or spec.get("dtype") != str(a.dtype):
            raise DataError(
                f"{path}: parameter {name} is {a.dtype} of shape {list(a.shape)}, "
                f"but the header says {spec or 'nothing of it'}"
            )
    undeclared = sorted(arrays.keys() - declared.keys())
    if undeclared:
        raise DataError(f"{path}: arrays {undeclared} are not in the header's params")


def restore(model, arrays, rng, source):
    """Set ``model``'s parameters to ``arrays`` and its generator to the state ``rng``.

    Every check comes first, so a refused file changes nothing.
    """
    what = type(model).__name__
    params = model.named_params()
    missing = [name for name in params if name not in arrays]
    if missing:
        raise DataError(f"{source}: parameter(s) {missing} missing for this {what}")
    extra = sorted(arrays.keys() - params.keys())
    if extra:
        raise DataError(f"{source}: {what} has no parameter(s) {extra}")
    for name, param in params.items():
        value, expected = np.asarray(arrays[name]), param.get_value(borrow=True)
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise DataError(
                f"{source}: parameter {name} is {value.dtype} of shape {value.shape}, but this "
                f"{what}'s config makes it {expected.dtype} of shape {expected.shape}"
            )
    shared_rng = getattr(model, "theano_rng", None)
    generator = (
        None
        if shared_rng is None
        else generator_from_state(rng, source, "the model's random generator")
    )
    for name, param in params.items():
        param.set_value(np.array(arrays[name]), borrow=True)  # writeable, our own
    if generator is not None:
        shared_rng.set_value(generator, borrow=True)
