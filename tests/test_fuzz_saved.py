"""Fuzzing the readers of dae's own files: saved models and training checkpoints.

Files written in any of the ways their formats allow (any parameter values, any
random generator state, older versions, compressed or not, entries in any order)
must load and give back exactly what they hold. Files damaged on purpose, in each
of the ways the readers check for, must be refused with a DataError naming the
file. Random bytes, and valid files damaged in random ways, must be refused or load
as written. Every example must finish within a few seconds.
"""

import inspect
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.fuzzing import FUZZ, damaged, loaded_or_refused, time_limit
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dae
from dae.data import DataError
from dae.models import load
from dae.models.vae import VAE
from dae.random import BIT_GENERATORS
from dae.training import Monitor

MAJOR = int(dae.__version__.split(".")[0])
HEADER = "__header__"  # where a model file keeps its JSON header
CLASSES = ["dA", "cA", "SdA", "HiddenLayer", "LogisticRegression", "MLP", "VAE", "DeepAutoencoder"]


# Writing and reading .npz files -----------------------------------------------------------


def plain(value):
    """NumPy arrays and scalars as JSON's lists and numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{value!r} is not JSON")


def npz_bytes(entries, compressed=False):
    """The bytes of an .npz archive of ``entries``, in their order."""
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **entries)
    return buffer.getvalue()


def read_npz(content):
    """The arrays of the archive ``content``, by name."""
    with np.load(io.BytesIO(content)) as f:
        return {name: f[name] for name in f.files}


def in_file(content, name, read):
    """``read(path)`` of ``content`` written to a temporary file ``name``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return read(path)


def timed(read):
    """``read``, failing the test if a call runs past the time limit."""

    def call(path):
        with time_limit():
            return read(path)

    return call


def refused(content, name, read):
    """Check that ``read`` refuses ``content`` with a DataError naming the file."""

    def check(path):
        with time_limit(), pytest.raises(DataError) as error:
            read(path)
        assert str(path) in str(error.value)

    in_file(content, name, check)


# Strategies for the values a file may hold ------------------------------------------------

FLOATS = st.floats(-1e3, 1e3, width=32)
SCALARS = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | FLOATS | st.text(max_size=8)
# Any JSON value, and any but an object, to put where the readers expect something else.
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
NOT_AN_OBJECT = SCALARS | st.lists(JSON, max_size=3)
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
# The state of any of NumPy's bit generators that the readers accept.
GENERATOR_STATES = st.builds(
    lambda name, seed: getattr(np.random, name)(seed).state,
    st.sampled_from(BIT_GENERATORS),
    st.integers(0, 2**64 - 1),
)


def values_like(array):
    """Arrays of the shape and dtype of ``array``."""
    return hnp.arrays(array.dtype, array.shape, elements=FLOATS)


@st.composite
def json_text(draw, value):
    """``value`` as JSON, laid out in any of the ways JSON allows."""
    indent = draw(st.none() | st.integers(0, 3))
    return json.dumps(value, default=plain, indent=indent, sort_keys=draw(st.booleans()))


@st.composite
def archive(draw, entries):
    """``entries`` as an .npz archive, in any order, compressed or not."""
    order = draw(st.permutations(list(entries)))
    return npz_bytes({name: entries[name] for name in order}, compressed=draw(st.booleans()))


def next_draws(state):
    """The next numbers a generator in the bit generator ``state`` draws."""
    bit_generator = getattr(np.random, state["bit_generator"])()
    bit_generator.state = state
    return np.random.Generator(bit_generator).random(4)


def assert_generator_in(generator, state):
    """``generator`` is in the saved bit generator ``state``."""
    assert isinstance(generator, np.random.Generator)
    own = generator.bit_generator.state
    assert own["bit_generator"] == state["bit_generator"]
    np.testing.assert_array_equal(next_draws(own), next_draws(state))


# Saved models -----------------------------------------------------------------------------


def saved(model):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        model.save(path)
        return path.read_bytes()


def with_new_values(model):
    """``model`` with parameters no constructor gives, so a load that kept the
    constructor's values would be caught."""
    rng = np.random.RandomState(1)
    for p in model.named_params().values():
        value = p.get_value()
        p.set_value(rng.uniform(-1, 1, value.shape).astype(value.dtype))
    return model


# A dA, an SdA (many layers), a VAE, and a model without a random generator.
SEED_MODELS = {
    "dA": dae.dA(np.random.RandomState(0), n_visible=6, n_hidden=4),
    "SdA": dae.SdA(
        np.random.RandomState(0),
        n_ins=6,
        hidden_layers_sizes=[4, 3],
        n_outs=2,
        corruption_levels=[0.1, 0.2],
    ),
    "VAE": VAE(np.random.RandomState(0), n_visible=6, n_hidden=4, n_latent=2),
    "LogisticRegression": dae.LogisticRegression(pt.matrix("x"), 6, 3),
}
SEED_MODELS = {name: with_new_values(model) for name, model in SEED_MODELS.items()}
MODELS = {name: saved(model) for name, model in SEED_MODELS.items()}


def model_file(name):
    """(header, {parameter name: array}) of the saved seed model ``name``."""
    arrays = read_npz(MODELS[name])
    return json.loads(arrays.pop(HEADER).item()), arrays


def assert_model(model, name, params, rng):
    """``model`` is the seed model ``name`` with parameters ``params`` and generator
    state ``rng`` (None for a model without a generator)."""
    seed = SEED_MODELS[name]
    assert type(model) is type(seed) and model.config() == seed.config()
    loaded = model.named_params()
    assert sorted(loaded) == sorted(params)
    for key, value in params.items():
        got = loaded[key].get_value()
        assert got.dtype == value.dtype
        np.testing.assert_array_equal(got, value, err_msg=key)
    if rng is None:
        assert getattr(model, "theano_rng", None) is None
    else:
        assert_generator_in(model.theano_rng.get_value(borrow=True), rng)


def loader(name, by_class):
    """``dae.models.load``, or the ``load`` of the class of the seed model ``name``."""
    return type(SEED_MODELS[name]).load if by_class else load


@st.composite
def valid_model_files(draw):
    """(name, content, params, rng): a file of the seed model ``name`` written in any
    of the ways the format allows, and the parameters and generator state it holds."""
    name = draw(st.sampled_from(sorted(MODELS)))
    header, arrays = model_file(name)
    params = {key: draw(values_like(value)) for key, value in arrays.items()}
    # Any version of the same major version, older or newer, released or not.
    version = draw(st.tuples(st.integers(0, MAJOR), st.integers(0, 99), st.integers(0, 99)))
    suffix = draw(st.sampled_from(["", "rc1", ".dev3", "+local"]))
    header["version"] = ".".join(map(str, version)) + suffix
    if "rng" in header:
        header["rng"] = draw(GENERATOR_STATES)
    content = draw(archive({HEADER: np.array(draw(json_text(header))), **params}))
    return name, content, params, header.get("rng")


@pytest.mark.slow
@FUZZ
@given(valid_model_files(), st.booleans())
def test_valid_model_files_load_as_written(file, by_class):
    name, content, params, rng = file
    model = in_file(content, "model.npz", timed(loader(name, by_class)))
    assert_model(model, name, params, rng)


def int_keys(config):
    """The keys of ``config`` whose values are integers (sizes), not booleans."""
    return sorted(k for k, v in config.items() if isinstance(v, int) and not isinstance(v, bool))


def not_a_version(text):
    try:
        int(text.split(".")[0])
    except ValueError:
        return True
    return False


# What the model reader checks, each damage in turn; the last three only for models
# with a random generator.
MODEL_DAMAGES = [
    "not an npz",
    "an object array",
    "no header",
    "header not a string",
    "header not JSON",
    "header not an object",
    "format not ours",
    "newer major version",
    "version not a version",
    "unknown class",
    "read as another class",
    "no params table",
    "declared parameter missing",
    "parameter unlike its declaration",
    "undeclared array",
    "declared array the model lacks",
    "parameter missing",
    "parameter unlike the config",
    "config not an object",
    "config with an unknown argument",
    "config of another size",
]
GENERATOR_DAMAGES = ["no generator state", "unknown bit generator", "bad state"]


@st.composite
def corrupted_model_files(draw):
    """(content, read): a seed model's file damaged in one of the ways the reader
    checks for, and the reader to give it to."""
    name = draw(st.sampled_from(sorted(MODELS)))
    header, arrays = model_file(name)
    read = loader(name, draw(st.booleans()))
    params = header["params"]
    key = draw(st.sampled_from(sorted(arrays)))
    kinds = MODEL_DAMAGES + (GENERATOR_DAMAGES if "rng" in header else [])
    kind = draw(st.sampled_from(kinds))
    event(kind)
    if kind == "not an npz":
        buffer = io.BytesIO()
        np.save(buffer, arrays[key])
        return buffer.getvalue(), read
    entry = None  # the header's entry, when not the JSON of ``header``
    if kind == "an object array":
        arrays[key] = np.array([{"W": 1}], dtype=object)
    elif kind == "no header":
        header = None
    elif kind == "header not a string":
        text = json.dumps(header)
        entry = draw(st.sampled_from([np.array([text]), np.array(text.encode()), np.arange(3)]))
    elif kind == "header not JSON":
        text = json.dumps(header)
        entry = np.array(text[: draw(st.integers(0, len(text) - 1))])
    elif kind == "header not an object":
        entry = np.array(json.dumps(draw(NOT_AN_OBJECT)))
    elif kind == "format not ours":
        header["format"] = draw(JSON.filter(lambda v: v != "dae-model"))
    elif kind == "newer major version":
        header["version"] = f"{draw(st.integers(MAJOR + 1, 10**6))}.0.0"
    elif kind == "version not a version":
        header["version"] = draw(st.text(max_size=8).filter(not_a_version))
    elif kind == "unknown class":
        header["class"] = draw(JSON.filter(lambda v: not (isinstance(v, str) and v in CLASSES)))
    elif kind == "read as another class":
        other = draw(st.sampled_from(sorted(set(MODELS) - {name})))
        read = loader(other, by_class=True)
    elif kind == "no params table":
        header["params"] = draw(NOT_AN_OBJECT)
    elif kind == "declared parameter missing":
        del arrays[key]
    elif kind == "parameter unlike its declaration":
        shape = draw(hnp.array_shapes(min_dims=0, max_side=7))
        dtype = draw(st.sampled_from(["float32", "float64", "float16", "int32"]))
        if shape == arrays[key].shape and dtype == str(arrays[key].dtype):
            dtype = "float64"
        arrays[key] = np.zeros(shape, dtype)
    elif kind == "undeclared array":
        arrays[draw(NAMES.filter(lambda n: n not in arrays))] = np.zeros(3, "float32")
    elif kind == "declared array the model lacks":
        extra = draw(NAMES.filter(lambda n: n not in arrays))
        arrays[extra] = np.zeros(3, "float32")
        params[extra] = {"shape": [3], "dtype": "float32"}
    elif kind == "parameter missing":
        del arrays[key], params[key]
    elif kind == "parameter unlike the config":
        shape = draw(hnp.array_shapes(min_dims=0, max_side=7))
        dtype = draw(st.sampled_from(["float32", "float64"]))
        if shape == arrays[key].shape and dtype == str(arrays[key].dtype):
            dtype = "float64"
        arrays[key] = np.zeros(shape, dtype)
        params[key] = {"shape": list(shape), "dtype": dtype}
    elif kind == "config not an object":
        header["config"] = draw(NOT_AN_OBJECT)
    elif kind == "config with an unknown argument":
        known = set(inspect.signature(type(SEED_MODELS[name])).parameters)
        header["config"][draw(NAMES.filter(lambda n: n not in known))] = draw(JSON)
    elif kind == "config of another size":
        config = header["config"]
        size = draw(st.sampled_from(int_keys(config)))
        config[size] = draw(st.integers(1, 9).filter(lambda n: n != config[size]))
    elif kind == "no generator state":
        del header["rng"]
    elif kind == "unknown bit generator":
        header["rng"]["bit_generator"] = draw(JSON.filter(lambda v: v not in BIT_GENERATORS))
    elif kind == "bad state":
        header["rng"]["state"] = draw(
            st.none() | st.integers() | st.text(max_size=8) | st.lists(st.integers(), max_size=3)
        )
    entries = dict(arrays)
    if header is not None:
        entries[HEADER] = np.array(json.dumps(header)) if entry is None else entry
    return draw(archive(entries)), read


@FUZZ
@given(corrupted_model_files())
def test_corrupted_model_files_are_refused(file):
    content, read = file
    refused(content, "model.npz", read)


def seed_model_or_refused(content):
    """Load ``content``: None if refused, else check that it is the seed model it was."""
    model = in_file(content, "model.npz", lambda path: loaded_or_refused(load, path))
    if model is not None:
        # Zip checks every entry's CRC: a damage it lets through leaves the model intact.
        name = type(model).__name__
        header, arrays = model_file(name)
        assert_model(model, name, arrays, header.get("rng"))
    return model


@FUZZ
@given(st.binary(max_size=512))
def test_model_random_bytes(content):
    assert seed_model_or_refused(content) is None


@FUZZ
@given(st.sampled_from(sorted(MODELS)).map(MODELS.get).flatmap(damaged))
def test_model_damaged(content):
    seed_model_or_refused(content)


def test_the_seed_model_files_load():
    for name, content in MODELS.items():
        header, arrays = model_file(name)
        for by_class in (False, True):
            model = in_file(content, "model.npz", loader(name, by_class))
            assert_model(model, name, arrays, header.get("rng"))


# Training checkpoints ---------------------------------------------------------------------

CONFIG = {"seed": 1}


def checkpoint_variables():
    return {
        "W": pytensor.shared(np.ones((3, 2), dtype="float32")),
        "lr": pytensor.shared(np.float32(0.1)),
        "rng": pytensor.tensor.random.shared_rng(seed=1),
    }


def checkpoint_bytes():
    """A checkpoint whose values are not those ``checkpoint_variables`` starts from."""
    variables = checkpoint_variables()
    variables["W"].set_value(np.arange(6, dtype="float32").reshape(3, 2))
    variables["lr"].set_value(np.float32(0.05))
    variables["rng"].get_value(borrow=True).random(10)
    with tempfile.TemporaryDirectory() as folder:
        monitor = Monitor(folder, variables, config=CONFIG)
        monitor.arrays["best/0"] = np.zeros(3, dtype="float32")
        monitor.end_epoch({"phase": "training", "epoch": 1, "cost": 1.0}, "epoch 1")
        return (Path(folder) / "checkpoint.npz").read_bytes()


CHECKPOINT = checkpoint_bytes()


def checkpoint_file():
    """(header, arrays) of the seed checkpoint."""
    arrays = read_npz(CHECKPOINT)
    return json.loads(arrays.pop("header").item()), arrays


def resume(path):
    return Monitor(path.parent, checkpoint_variables(), config=CONFIG, resume=True)


def assert_resumed(monitor, header, arrays):
    """``monitor`` resumed the checkpoint of ``header`` and ``arrays``."""
    assert monitor.resumed
    assert monitor.state == header["state"]
    for name, var in monitor.variables.items():
        if name in header["generators"]:
            assert_generator_in(var.get_value(borrow=True), header["generators"][name])
        else:
            value = arrays[f"variables/{name}"]
            assert var.get_value().dtype == value.dtype
            np.testing.assert_array_equal(var.get_value(), value, err_msg=name)
    extra = {k.removeprefix("arrays/"): v for k, v in arrays.items() if k.startswith("arrays/")}
    assert sorted(monitor.arrays) == sorted(extra)
    for name, value in extra.items():
        np.testing.assert_array_equal(monitor.arrays[name], value, err_msg=name)


PHASE = st.fixed_dictionaries(
    {
        "epoch": st.integers(0, 100),
        "batch": st.integers(0, 100),
        "batch_costs": st.lists(st.lists(FLOATS, min_size=1, max_size=2), max_size=3),
    }
)
STATES = st.fixed_dictionaries(
    {
        "phases": st.dictionaries(st.text(max_size=12), PHASE, max_size=3),
        "metrics": st.lists(st.dictionaries(st.text(max_size=6), FLOATS, max_size=3), max_size=3),
        "seconds": st.floats(0, 1e6),
    }
)


@st.composite
def valid_checkpoints(draw):
    """(content, header, arrays): a checkpoint written in any of the ways the format
    allows, with any values of the run's variables, state and extra arrays."""
    header, arrays = checkpoint_file()
    arrays = {key: draw(values_like(value)) for key, value in arrays.items()}
    shapes = hnp.array_shapes(min_dims=0, max_side=4)
    extra = draw(st.dictionaries(NAMES, hnp.arrays("float32", shapes, elements=FLOATS)))
    arrays.update({f"arrays/{name}": value for name, value in extra.items()})
    header["state"] = draw(STATES)
    header["generators"] = {"rng": draw(GENERATOR_STATES)}
    entries = {"header": np.array(draw(json_text(header))), **arrays}
    return draw(archive(entries)), header, arrays


@pytest.mark.slow
@FUZZ
@given(valid_checkpoints())
def test_valid_checkpoints_resume_as_written(file):
    content, header, arrays = file
    monitor = in_file(content, "checkpoint.npz", timed(resume))
    assert_resumed(monitor, header, arrays)


# What resuming checks, each damage in turn.
CHECKPOINT_DAMAGES = [
    "not an npz",
    "an object array",
    "no header",
    "header not JSON",
    "header not an object",
    "format not ours",
    "no state",
    "state not an object",
    "phases not an object",
    "no generators",
    "other settings",
    "variable missing",
    "variable of another shape or dtype",
    "no generator state",
    "unknown bit generator",
    "bad state",
]


@st.composite
def corrupted_checkpoints(draw):
    """A checkpoint damaged in one of the ways that resuming checks for."""
    header, arrays = checkpoint_file()
    kind = draw(st.sampled_from(CHECKPOINT_DAMAGES))
    event(kind)
    if kind == "not an npz":
        buffer = io.BytesIO()
        np.save(buffer, arrays["variables/W"])
        return buffer.getvalue()
    if kind == "an object array":
        arrays["variables/W"] = np.array([{"W": 1}], dtype=object)
    elif kind == "no header":
        header = None
    elif kind == "header not JSON":
        text = json.dumps(header)
        header = text[: draw(st.integers(0, len(text) - 1))]
    elif kind == "header not an object":
        header = json.dumps(draw(NOT_AN_OBJECT))
    elif kind == "format not ours":
        header["format"] = draw(JSON.filter(lambda v: v != "dae-checkpoint"))
    elif kind in ("no state", "no generators"):
        del header[kind.removeprefix("no ")]
    elif kind == "state not an object":
        header["state"] = draw(NOT_AN_OBJECT)
    elif kind == "phases not an object":
        header["state"]["phases"] = draw(NOT_AN_OBJECT)
    elif kind == "other settings":
        header["config"] = draw(
            st.dictionaries(st.text(max_size=6), JSON, min_size=1).filter(lambda c: c != CONFIG)
        )
    elif kind == "variable missing":
        del arrays[f"variables/{draw(st.sampled_from(['W', 'lr']))}"]
    elif kind == "variable of another shape or dtype":
        key = f"variables/{draw(st.sampled_from(['W', 'lr']))}"
        shape = draw(hnp.array_shapes(min_dims=0, max_side=4))
        dtype = draw(st.sampled_from(["float32", "float64", "int32"]))
        if shape == arrays[key].shape and dtype == str(arrays[key].dtype):
            dtype = "float64"
        arrays[key] = np.zeros(shape, dtype)
    elif kind == "no generator state":
        header["generators"] = draw(st.just({}) | NOT_AN_OBJECT)
    elif kind == "unknown bit generator":
        header["generators"]["rng"]["bit_generator"] = draw(
            JSON.filter(lambda v: v not in BIT_GENERATORS)
        )
    elif kind == "bad state":
        header["generators"]["rng"]["state"] = draw(
            st.none() | st.integers() | st.text(max_size=8) | st.lists(st.integers(), max_size=3)
        )
    entries = dict(arrays)
    if header is not None:
        entries["header"] = np.array(header if isinstance(header, str) else json.dumps(header))
    return draw(archive(entries))


@FUZZ
@given(corrupted_checkpoints())
def test_corrupted_checkpoints_are_refused(content):
    refused(content, "checkpoint.npz", resume)


@pytest.mark.parametrize(
    "config",
    [None, [], "seed", 3, ["seed"]],
    ids=["no config", "an empty list", "a string", "a number", "a list of keys"],
)
def test_a_checkpoint_without_a_config_object_is_refused(config):
    header, arrays = checkpoint_file()
    if config is None:
        del header["config"]
    else:
        header["config"] = config
    refused(npz_bytes({"header": np.array(json.dumps(header)), **arrays}), "checkpoint.npz", resume)


def seed_checkpoint_or_refused(content):
    """Resume from ``content``: None if refused, else check that it is the seed."""
    monitor = in_file(content, "checkpoint.npz", lambda path: loaded_or_refused(resume, path))
    if monitor is not None:
        assert_resumed(monitor, *checkpoint_file())
    return monitor


@FUZZ
@given(st.binary(max_size=512))
def test_checkpoint_random_bytes(content):
    assert seed_checkpoint_or_refused(content) is None


@FUZZ
@given(damaged(CHECKPOINT))
def test_checkpoint_damaged(content):
    seed_checkpoint_or_refused(content)


def test_the_seed_checkpoint_resumes():
    header, arrays = checkpoint_file()
    assert arrays["variables/W"].shape == (3, 2) and "arrays/best/0" in arrays
    assert header["generators"]["rng"]["bit_generator"] in BIT_GENERATORS
    assert_resumed(in_file(CHECKPOINT, "checkpoint.npz", resume), header, arrays)
