"""Bad arguments are refused where they are given, with a message that names them."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from dae import HiddenLayer, LogisticRegression, SdA, dA
from dae.data import DataError
from dae.models.deep_ae import DeepAutoencoder
from dae.models.vae import VAE

RNG = np.random.RandomState(0)


def shared(x):
    return pytensor.shared(np.asarray(x))


def pixels(rows=20, cols=6, seed=1):
    return np.random.RandomState(seed).rand(rows, cols).astype("float32")


def labels(rows=20, n_outs=2, seed=2):
    return np.random.RandomState(seed).randint(0, n_outs, rows).astype("int32")


def new_sda():
    return SdA(
        np.random.RandomState(3),
        n_ins=6,
        hidden_layers_sizes=[4, 3],
        n_outs=2,
        corruption_levels=[0.1, 0.2],
    )


# ------------------------------------------------------------------ layer sizes


@pytest.mark.parametrize(
    "build, name",
    [
        (lambda: dA(RNG, n_visible=6, n_hidden=0), "n_hidden=0"),
        (lambda: dA(RNG, n_visible=-1, n_hidden=4), "n_visible=-1"),
        (lambda: dA(RNG, n_visible=6, n_hidden=2.5), "n_hidden=2.5"),
        (lambda: HiddenLayer(RNG, pt.matrix(), 6, 0), "n_out=0"),
        (lambda: HiddenLayer(RNG, pt.matrix(), 0, 4), "n_in=0"),
        (lambda: LogisticRegression(pt.matrix(), 0, 3), "n_in=0"),
        (lambda: LogisticRegression(pt.matrix(), 6, -3), "n_out=-3"),
        (
            lambda: SdA(RNG, n_ins=6, hidden_layers_sizes=[4, 0], corruption_levels=[0.1, 0.1]),
            r"hidden_layers_sizes contains a non-positive size: \[4, 0\]",
        ),
        (
            lambda: SdA(RNG, n_ins=6, hidden_layers_sizes=[4.5], corruption_levels=[0.1]),
            r"hidden_layers_sizes contains a non-integer size: \[4.5\]",
        ),
        (lambda: SdA(RNG, n_ins=0, hidden_layers_sizes=[4], corruption_levels=[0.1]), "n_ins=0"),
        (
            lambda: SdA(RNG, n_ins=6, hidden_layers_sizes=[4], n_outs=0, corruption_levels=[0.1]),
            "n_outs=0",
        ),
        (lambda: VAE(RNG, n_visible=6, n_hidden=4, n_latent=0), "n_latent=0"),
        (lambda: VAE(RNG, n_visible=6, n_hidden=-4, n_latent=2), "n_hidden=-4"),
        (
            lambda: DeepAutoencoder(RNG, n_visible=6, hidden_layers_sizes=[0, 2]),
            r"hidden_layers_sizes contains a non-positive size: \[0, 2\]",
        ),
        (lambda: DeepAutoencoder(RNG, n_visible=0, hidden_layers_sizes=[2]), "n_visible=0"),
    ],
)
def test_a_size_of_zero_or_less_is_refused_by_name(build, name):
    with pytest.raises(ValueError, match=name):
        build()


# ------------------------------------------------------------------ batch sizes


def sda_finetune(batch_size, valid_rows=20, test_rows=20):
    sets = [(shared(pixels(n)), shared(labels(n))) for n in (20, valid_rows, test_rows)]
    return new_sda().build_finetune_functions(sets, batch_size, 0.1)


BUILDERS = {
    "dA": lambda x, b: dA(RNG, n_visible=6, n_hidden=4).pretraining_function(x, b),
    "SdA": lambda x, b: new_sda().pretraining_functions(x, b),
    "SdA cached": lambda x, b: new_sda().cached_pretraining_functions(x, b),
    "VAE": lambda x, b: VAE(RNG, n_visible=6, n_hidden=4, n_latent=2).training_function(x, b),
    "DeepAutoencoder": lambda x, b: DeepAutoencoder(
        RNG, n_visible=6, hidden_layers_sizes=[4]
    ).training_function(x, b, 0.1),
}


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize(
    "batch_size, message",
    [
        (21, r"batch_size=21 is larger than train_set_x \(20 rows\)"),
        (0, r"batch_size must be at least 1, got 0 for train_set_x \(20 rows\)"),
        (-5, r"batch_size must be at least 1, got -5 for train_set_x \(20 rows\)"),
        (2.5, r"batch_size must be a whole number, got 2.5 for train_set_x \(20 rows\)"),
    ],
)
def test_a_batch_size_the_data_cannot_fill_is_refused(name, batch_size, message):
    with pytest.raises(ValueError, match=message):
        BUILDERS[name](shared(pixels(20)), batch_size)


def test_finetuning_names_each_set_too_small_for_the_batch_size():
    message = r"batch_size=10 is larger than the validation set \(8 rows\) and the test set \(5"
    with pytest.raises(ValueError, match=message) as error:
        sda_finetune(10, valid_rows=8, test_rows=5)
    assert "training" not in str(error.value)
    with pytest.raises(ValueError, match=r"batch_size must be at least 1, got 0 for the train"):
        sda_finetune(0)


# ------------------------------------------------------------------ data


def bad(kind, rows=20):
    x = pixels(rows)
    if kind == "width":
        return np.hstack([x, x[:, :1]])
    if kind == "nan":
        x[3, 2] = np.nan
    elif kind == "inf":
        x[5, 0] = -np.inf
    elif kind == "range":
        x[1, 1] = 1.5
    return x


MESSAGES = {
    "width": "train_set_x: .*7 values.*n_ins=6",
    "nan": "train_set_x: NaN or infinite values",
    "inf": "train_set_x: NaN or infinite values",
    "range": r"train_set_x: .*\[0, 1\]",
}


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("kind", MESSAGES)
def test_data_that_does_not_fit_the_model_is_refused(name, kind):
    with pytest.raises(DataError, match=MESSAGES[kind]):
        BUILDERS[name](shared(bad(kind)), 5)


def test_a_squared_error_da_takes_any_finite_values():
    da = dA(RNG, n_visible=6, n_hidden=4, loss="squared_error", activation=None)
    x = shared(6 * pixels(20) - 3)
    assert np.isfinite(da.pretraining_function(x, 5)(0))
    with pytest.raises(DataError, match="NaN"):
        da.pretraining_function(shared(bad("nan")), 5)
    with pytest.raises(DataError, match="n_ins=6"):
        da.pretraining_function(shared(bad("width")), 5)


@pytest.mark.parametrize("split, index", [("training", 0), ("validation", 1), ("test", 2)])
def test_finetuning_names_the_set_with_bad_labels_or_examples(split, index):
    sda = new_sda()
    for broken, message in [
        ((pixels(20), labels(20, n_outs=3)), r"labels .*n_outs=2"),
        ((pixels(20), -labels(20)), r"labels .*n_outs=2"),
        ((bad("range"), labels(20)), r".*\[0, 1\]"),
        ((bad("width"), labels(20)), ".*7 values.*n_ins=6"),
        ((pixels(20), labels(19)), ".*labels"),
    ]:
        sets = [(pixels(20), labels(20))] * 3
        sets[index] = broken
        with pytest.raises(DataError, match=f"the {split} set: {message}"):
            sda.build_finetune_functions([(shared(x), shared(y)) for x, y in sets], 5, 0.1)


# ------------------------------------------------------------------ corruption at call time


def test_a_corruption_level_given_at_call_time_is_checked():
    da = dA(RNG, n_visible=6, n_hidden=4)
    fn = da.pretraining_function(shared(pixels(20)), 5, corruption_level=0.2)
    W = da.W.get_value()
    for level in (1.5, 1.0, -0.1, np.float32(1.5), float("nan")):
        with pytest.raises(ValueError, match=r"corruption must be in \[0, 1\)"):
            fn(0, corruption=level)
    with pytest.raises(ValueError, match="corruption must be a number, got 'high'"):
        fn(0, corruption="high")
    np.testing.assert_array_equal(da.W.get_value(), W)  # a refused call takes no step
    assert np.isfinite(fn(0, corruption=0.0)) and np.isfinite(fn(0, corruption=np.float32(0.9)))


def test_gaussian_noise_takes_any_sigma_of_zero_or_more():
    da = dA(RNG, n_visible=6, n_hidden=4, noise="gaussian", loss="squared_error")
    fn = da.pretraining_function(shared(pixels(20)), 5, corruption_level=0.2)
    assert np.isfinite(fn(0, corruption=1.5))
    with pytest.raises(ValueError, match="corruption: Gaussian noise needs sigma >= 0"):
        fn(0, corruption=-0.1)


def test_the_sdas_pretraining_steps_check_it_too():
    x = shared(pixels(20))
    for fns in (
        new_sda().pretraining_functions(x, 5),
        new_sda().cached_pretraining_functions(x, 5),
    ):
        for fn in fns:
            with pytest.raises(ValueError, match=r"corruption must be in \[0, 1\)"):
                fn(0, corruption=1.5)
            assert np.isfinite(fn(0, corruption=0.3, lr=0.1))
