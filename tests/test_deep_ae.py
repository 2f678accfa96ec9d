"""The deep autoencoder: mirrored decoder, weights shared with an SdA, end-to-end training."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.gradcheck import assert_gradients_match

from dae import DeepAutoencoder, SdA
from dae.activations import elu
from dae.training import pretrain


@pytest.mark.parametrize("tied", [True, False])
def test_deep_autoencoder_gradient_matches_finite_differences(tied):
    rng = np.random.RandomState(1)
    ae = DeepAutoencoder(
        rng,
        n_visible=5,
        hidden_layers_sizes=[4, 2],
        tied=tied,
        activation=elu,
        weight_decay=0.01,
        input=pt.dmatrix("x"),
    )
    x = rng.rand(3, 5)
    cost = ae.get_cost()
    assert len(ae.params) == (6 if tied else 8)
    assert_gradients_match(cost, ae.x, ae.params, x)


def test_from_sda_shares_the_encoder_and_starts_better_than_random(digits):
    sda = SdA(
        np.random.RandomState(2),
        n_ins=784,
        hidden_layers_sizes=[100, 30],
        corruption_levels=[0.2, 0.2],
    )
    train_x = pytensor.shared(digits)
    pretrain(
        sda.cached_pretraining_functions(train_x, 20),
        50,
        5,
        sda.corruption_levels,
        0.1,
        log=lambda line: None,
    )
    ae = DeepAutoencoder.from_sda(sda)
    # each layer is an autoencoder on the weights and biases of one of the SdA's dAs
    for layer, da in zip(ae.layers, sda.dA_layers, strict=True):
        assert layer.W is da.W and layer.b is da.b and layer.b_prime is da.b_prime
    random = DeepAutoencoder(np.random.RandomState(2), n_visible=784, hidden_layers_sizes=[100, 30])
    cost = {
        name: pytensor.function([m.x], m.get_cost())(digits)
        for name, m in [("pretrained", ae), ("random", random)]
    }
    assert cost["pretrained"] < cost["random"]
    step = ae.training_function(train_x, 20, 0.05)
    epochs = [np.mean([step(i) for i in range(50)]) for _ in range(3)]
    assert epochs[-1] < cost["pretrained"]
    # fine-tuning the deep autoencoder moved the SdA's own weights: they are shared
    codes = pytensor.function([sda.x], sda.sigmoid_layers[-1].output)(digits)
    np.testing.assert_allclose(pytensor.function([ae.x], ae.code)(digits), codes, atol=1e-6)


def test_bad_layer_sizes_are_refused():
    with pytest.raises(ValueError, match="at least one layer"):
        DeepAutoencoder(np.random.RandomState(0), n_visible=784, hidden_layers_sizes=[])
