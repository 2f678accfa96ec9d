"""Update rules: plain functions that return update dictionaries, as in Lasagne.

A dictionary maps each shared variable to the expression of its next value and is
passed as ``updates=`` to ``pytensor.function``. Rules compose: :func:`sgd` makes
the steps, :func:`apply_momentum` modifies any dictionary of steps, and
:func:`momentum` is the two together; :func:`norm_constraint` bounds the weights an
update leaves. Learning rates and momenta may be Python
numbers, symbolic scalars (function inputs) or shared variables, so a schedule can
change them without recompiling.
"""

from collections import OrderedDict

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.traversal import ancestors
from pytensor.tensor.random.op import RandomVariable

__all__ = ["apply_momentum", "momentum", "norm_constraint", "rng_updates", "sgd"]


def shared_params(params):
    """``params`` as a list, after checking that each is a shared variable.

    The one guard of every rule here: an update can only change a shared variable,
    and an expression such as a tied decoder's ``W.T`` is none.
    """
    params = list(params)
    for p in params:
        if not isinstance(p, SharedVariable):
            raise ValueError(
                f"parameters must be shared variables, got {p!r} ({type(p).__name__}); "
                "an update can only change a shared variable"
            )
    return params


def get_or_compute_grads(loss_or_grads, params):
    """The gradients of ``loss_or_grads`` with respect to ``params``, or the list of
    gradients it already is (which must match ``params`` in length)."""
    params = shared_params(params)
    if isinstance(loss_or_grads, (list, tuple)):
        if len(loss_or_grads) != len(params):
            raise ValueError(f"{len(loss_or_grads)} gradients given for {len(params)} parameters")
        return list(loss_or_grads)
    return pytensor.grad(loss_or_grads, params)


def sgd(loss_or_grads, params, learning_rate):
    r"""Stochastic gradient descent.

    .. math:: \theta \leftarrow \theta - \eta \, \partial C / \partial \theta

    Parameters
    ----------
    loss_or_grads : scalar expression or list of expressions
        The cost :math:`C` to minimise, or its gradients.
    params : list of shared variables
        The parameters :math:`\theta`.
    learning_rate : float, symbolic scalar or shared scalar
        :math:`\eta`, cast to each parameter's float type.

    Returns
    -------
    OrderedDict
        Each parameter mapped to its updated expression.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> from dae.updates import sgd
    >>> w = pytensor.shared(np.float32(3.0))
    >>> step = pytensor.function([], w, updates=sgd(w ** 2, [w], 0.25))
    >>> float(step()), float(w.get_value())
    (3.0, 1.5)
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    # The rate in each parameter's own float type, so that no step upcasts it.
    return OrderedDict((p, p - pt.cast(learning_rate, p.dtype) * g) for p, g in zip(params, grads))


def apply_momentum(updates, params=None, momentum=0.9):
    r"""Add classical momentum to the steps of an update dictionary.

    Each parameter keeps a velocity :math:`v`, zero at first; the step that
    ``updates`` would take, :math:`\Delta = u(\theta) - \theta`, is added to it:

    .. math:: v \leftarrow \mu v + \Delta, \qquad \theta \leftarrow \theta + v

    With :func:`sgd`, :math:`\Delta = -\eta \nabla C`, which is the tutorials'
    momentum SGD; in a steady direction the step grows to :math:`\eta / (1 - \mu)`.

    Parameters
    ----------
    updates : dict
        Update dictionary, e.g. from :func:`sgd`; not modified.
    params : list of shared variables, optional
        The parameters in ``updates`` to give momentum; all of them if None.
    momentum : float, symbolic or shared scalar
        :math:`\mu`, in [0, 1), cast to each parameter's float type.

    Returns
    -------
    OrderedDict
        ``updates`` with the updates of ``params`` replaced and one velocity update
        per parameter added; velocities are named ``velocity_<param>``.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> from dae.updates import apply_momentum, sgd
    >>> w = pytensor.shared(np.float32(1.0))
    >>> step = pytensor.function([], w, updates=apply_momentum(sgd(w, [w], 0.5), [w], 0.9))
    >>> _ = step(); _ = step()
    >>> round(float(w.get_value()), 4)  # steps of 0.5, then 0.9 * 0.5 + 0.5
    -0.45
    """
    params = shared_params(updates if params is None else params)
    updates = OrderedDict(updates)
    for param in params:
        value = param.get_value(borrow=True)
        velocity = pytensor.shared(
            np.zeros_like(value), name=f"velocity_{param.name}", shape=param.type.shape
        )
        mu = pt.cast(momentum, param.dtype)
        new_velocity = mu * velocity + (updates[param] - param)
        updates[velocity] = new_velocity
        updates[param] = param + new_velocity
    return updates


def momentum(loss_or_grads, params, learning_rate, momentum=0.9):
    r"""Stochastic gradient descent with classical momentum.

    :func:`sgd` followed by :func:`apply_momentum`:

    .. math:: v \leftarrow \mu v - \eta \nabla C, \qquad \theta \leftarrow \theta + v

    Parameters
    ----------
    loss_or_grads : scalar expression or list of expressions
        The cost to minimise, or its gradients.
    params : list of shared variables
        The parameters.
    learning_rate : float, symbolic scalar or shared scalar
        :math:`\eta`.
    momentum : float, symbolic or shared scalar
        :math:`\mu`, in [0, 1).

    Returns
    -------
    OrderedDict
        The parameters' updates and their velocities'.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> from dae.updates import momentum
    >>> w = pytensor.shared(np.float32(1.0))
    >>> step = pytensor.function([], w, updates=momentum(w, [w], 0.5, momentum=0.9))
    >>> _ = step(); _ = step()
    >>> round(float(w.get_value()), 4)
    -0.45
    """
    updates = sgd(loss_or_grads, params, learning_rate)
    return apply_momentum(updates, params, momentum)


def norm_constraint(tensor_var, max_norm, norm_axes=None, epsilon=1e-7):
    r"""``tensor_var`` with each unit's incoming weights scaled to a norm of at most
    ``max_norm``: the max-norm constraint of Srivastava et al. (2014).

    For a weight matrix :math:`W` of shape (n_in, n_out), column :math:`w_j` holds
    the weights into unit :math:`j`, and

    .. math:: w_j \leftarrow w_j \, \frac{\min(\lVert w_j \rVert, c)}{\lVert w_j \rVert + \epsilon}.

    Applied to the update of a weight matrix, it projects every step back into
    the ball of radius :math:`c`, which lets dropout nets use large learning rates
    without their weights growing without bound.

    Parameters
    ----------
    tensor_var : symbolic tensor
        Weights, or the expression of their next value in an update dictionary.
    max_norm : float or symbolic scalar
        The largest norm :math:`c` a unit's incoming weights may have.
    norm_axes : tuple of int, optional
        The axes summed over for each norm; all but the last by default, which
        for a matrix is the columns.
    epsilon : float
        Keeps the division finite for weights that are all zero.

    Returns
    -------
    Symbolic tensor of the shape of ``tensor_var``.

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> from dae.updates import norm_constraint
    >>> W = pytensor.shared(np.array([[3.0, 0.3], [4.0, 0.4]], dtype="float32"))
    >>> np.round(norm_constraint(W, 1.0).eval(), 4)  # norms 5 and 0.5 become 1 and 0.5
    array([[0.6, 0.3],
           [0.8, 0.4]], dtype=float32)
    """
    if norm_axes is None:
        norm_axes = tuple(range(tensor_var.ndim - 1))
    dtype = tensor_var.dtype
    norms = pt.sqrt(pt.sum(pt.sqr(tensor_var), axis=norm_axes, keepdims=True))
    target = pt.clip(norms, 0, pt.cast(max_norm, dtype))
    return tensor_var * (target / (pt.cast(epsilon, dtype) + norms))


def rng_updates(*outputs):
    """Advance every shared random generator drawn from in ``outputs``' graphs.

    A random draw in PyTensor returns the generator's next state beside the sample;
    unless that state is written back, a compiled function draws the same numbers
    on every call. This finds each shared generator used in the graphs and maps it
    to its next state, so the corruption mask changes from call to call.

    Returns
    -------
    OrderedDict
        {shared generator: next generator state}.

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> from dae.updates import rng_updates
    >>> rng = pt.random.shared_rng(seed=1)
    >>> _, u = rng.uniform(size=(3,))
    >>> draw = pytensor.function([], u, updates=rng_updates(u))
    >>> bool(np.all(draw() != draw()))
    True
    """
    updates = OrderedDict()
    for var in ancestors(outputs):
        node = var.owner
        if node is None or not isinstance(node.op, RandomVariable):
            continue
        rng, next_rng = node.inputs[0], node.outputs[0]
        if not isinstance(rng, SharedVariable):
            continue
        if updates.get(rng, next_rng) is not next_rng:
            raise ValueError(
                f"generator {rng} is drawn from twice in one graph; give each draw "
                "its own generator (pt.random.shared_rng) or chain the draws"
            )
        updates[rng] = next_rng
    return updates
