"""The variational autoencoder: its ELBO terms, training, and new digits."""

import numpy as np
import pytensor
import pytensor.tensor as pt
from helpers.gradcheck import assert_gradients_match

from dae.models.vae import VAE, latent_grid


def test_kl_term_is_the_closed_form_of_the_encoder_gaussian(digits):
    vae = VAE(np.random.RandomState(0), n_hidden=30, n_latent=3)
    reconstruction, kl, _ = vae.get_cost_terms()
    kl_value = pytensor.function([vae.x], kl)(digits[:50])
    mu, log_var = vae.encode_function()(digits[:50])
    expected = np.mean(0.5 * np.sum(mu**2 + np.exp(log_var) - log_var - 1, axis=1))
    np.testing.assert_allclose(kl_value, expected, rtol=1e-5)
    assert kl_value > 0


def test_negative_elbo_has_the_gradient_of_finite_differences():
    rng = np.random.RandomState(1)
    vae = VAE(rng, input=pt.dmatrix("x"), n_visible=5, n_hidden=4, n_latent=2)
    x = rng.rand(3, 5)
    reconstruction, kl, _ = vae.get_cost_terms()
    cost = reconstruction + kl
    # Without the generator's update epsilon is the same on every call.
    assert_gradients_match(cost, vae.x, vae.params, x)


def test_training_improves_the_elbo_and_keeps_kl_positive(digits):
    vae = VAE(np.random.RandomState(2), n_hidden=100, n_latent=2)
    step = vae.training_function(pytensor.shared(digits), 20)
    epochs = [np.array([step(i) for i in range(50)]) for _ in range(10)]
    first, last = epochs[0].mean(axis=0), epochs[-1].mean(axis=0)
    assert last[0] < first[0] - 50  # negative ELBO, nats per digit
    assert all((e[:, 2] > 0).all() for e in epochs)  # KL term
    np.testing.assert_allclose(last[0], last[1] + last[2], rtol=1e-5)


def test_samples_are_new_digit_images():
    vae = VAE(np.random.RandomState(3), n_hidden=20, n_latent=2)
    sample = vae.sample_function()
    a, b = sample(16), sample(16)
    assert a.shape == (16, 784) and a.dtype == np.float32
    assert ((a > 0) & (a < 1)).all() and not np.array_equal(a, b)
    grid = latent_grid(5, bound=2.0)
    assert grid.shape == (25, 2) and grid.min() == -2.0 and grid.max() == 2.0
    assert vae.decode_function()(grid).shape == (25, 784)
