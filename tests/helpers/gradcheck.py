"""Finite-difference gradient checks for the model tests."""

import numpy as np
import pytensor


def assert_gradients_match(cost, x_var, params, x, rtol=1e-4, atol=1e-7, eps=1e-6):
    """Compare PyTensor's gradient of ``cost`` with central differences, at input ``x``.

    Build ``cost`` on a float64 input (``pt.dmatrix``), so that the model's
    parameters are float64 too; any random draw in it must not be advanced between
    calls (compile without its update), so ``cost`` is a deterministic function of
    the parameters.
    """
    f = pytensor.function([x_var], cost)
    grads = pytensor.function([x_var], pytensor.grad(cost, params))(x)
    for param, grad in zip(params, grads):
        value = param.get_value()
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            shifted = value.copy()
            shifted[i] += eps
            param.set_value(shifted)
            up = f(x)
            shifted[i] -= 2 * eps
            param.set_value(shifted)
            numeric[i] = (up - f(x)) / (2 * eps)
        param.set_value(value)
        np.testing.assert_allclose(grad, numeric, rtol=rtol, atol=atol, err_msg=str(param))
