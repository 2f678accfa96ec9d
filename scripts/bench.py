#!/usr/bin/env python
"""Steps per second of dae beside PyTorch (eager and ``torch.compile``), JAX ``jit`` and
hand-written NumPy.

In one run, on the same MNIST digits and shapes, times

* a dA pretraining step, 784 -> 1000 with 10% masking noise, at batch sizes 1, 20, 128;
* an SdA 784-1000-1000-1000-10 fine-tuning step at batch sizes 20 and 128;

for each implementation, in rounds that take turns so that the machine's noise
hits all of them alike, and reports medians of examples per second, dae's ratio
to each of the others, and each step's time over its GEMM bound: its matrix
products at the machine's float32 GEMM rate, measured in the same run (the ratio
``train_sda.py`` reports for a whole run). With ``--reference`` it also
times the tutorials' historic speed check at batch size 300; with ``--device gpu``,
dae on a GPU (see --help).

    pip install torch==2.13.0 jax    # PyTorch's CPU build
    python scripts/bench.py
"""

import argparse
import importlib
import importlib.util
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt

import dae
from dae import flops
from dae.apps.cli import DEFAULT_DATA, load_mnist_or_sample, positive_int
from dae.flops import gemm_rate
from dae.functions import minibatch
from dae.random import MaskBitsRV

N_IN, N_HIDDEN, LAYERS, N_OUT = 784, 1000, (1000, 1000, 1000), 10
CORRUPTION, DA_LR, FINETUNE_LR = 0.1, 0.1, 0.1


# ---------------------------------------------------------------- FLOP counts
def da_flops(batch):
    """Five GEMMs: encode, decode, and the three gradient products."""
    return batch * flops.da_step(N_IN, N_HIDDEN)


def finetune_flops(batch):
    """Forward pass, weight gradients, and input gradients above the first layer."""
    return batch * flops.mlp_step([N_IN, *LAYERS, N_OUT])


# ---------------------------------------------------------------- initial weights
def da_weights(seed=0):
    """Initial (W, b, b_prime) of the dA, shared by all implementations."""
    da = dae.dA(np.random.RandomState(seed), n_visible=N_IN, n_hidden=N_HIDDEN)
    return [p.get_value() for p in da.params]


def new_sda(seed=0):
    """The benchmark's SdA, 784-1000-1000-1000-10."""
    return dae.SdA(
        np.random.RandomState(seed),
        n_ins=N_IN,
        hidden_layers_sizes=LAYERS,
        n_outs=N_OUT,
        corruption_levels=[CORRUPTION] * len(LAYERS),
    )


def sda_weights(seed=0):
    """Initial [W1, b1, ..., W_out, b_out] of the SdA's MLP."""
    return [p.get_value() for p in new_sda(seed).params]


# Each builder takes the data, the batch size, the initial weights and the
# corruption level, and returns step(index) -> cost and a function returning
# the current weights as NumPy arrays.


# ---------------------------------------------------------------- dae
def dae_da(x, batch, weights, corruption=CORRUPTION):
    da = dae.dA(np.random.RandomState(0), n_visible=N_IN, n_hidden=N_HIDDEN)
    for param, value in zip(da.params, weights):
        param.set_value(value.copy())
    fn = da.pretraining_function(pytensor.shared(x, borrow=True), batch)
    corruption, lr = np.float32(corruption), np.float32(DA_LR)
    # float(): the cost reaches Python, as every step here returns it; under JAX,
    # whose calls return before the work is done, that waits for the step to end.
    return (lambda i: float(fn(i, corruption, lr))), lambda: [
        np.asarray(p.get_value()) for p in da.params
    ]


def dae_finetune(x, y, batch, weights):
    sda = new_sda()
    for param, value in zip(sda.params, weights):
        param.set_value(value.copy())
    shared = [(pytensor.shared(x, borrow=True), pytensor.shared(y, borrow=True))] * 3
    train_fn, _, _ = sda.build_finetune_functions(shared, batch, FINETUNE_LR)
    return (lambda i: float(train_fn(i))), lambda: [np.asarray(p.get_value()) for p in sda.params]


# ---------------------------------------------------------------- PyTorch eager
def torch_da(x, batch, weights, corruption=CORRUPTION, device="cpu", compile=False):
    """PyTorch eager; with ``compile``, the loss through ``torch.compile``, as its
    tutorial compiles a model's forward pass (the backward pass is compiled with it)."""
    import torch
    import torch.nn.functional as F

    data = torch.from_numpy(x).to(device)
    W, b, b_prime = (torch.nn.Parameter(torch.tensor(w, device=device)) for w in weights)
    opt = torch.optim.SGD([W, b, b_prime], lr=DA_LR)

    def da_loss(xb):
        tilde_x = xb * (torch.rand_like(xb) >= corruption)
        h = torch.sigmoid(tilde_x @ W + b)
        a = h @ W.t() + b_prime
        return F.binary_cross_entropy_with_logits(a, xb, reduction="sum") / xb.shape[0]

    if compile:
        da_loss = torch.compile(da_loss)

    def step(i):
        loss = da_loss(data[i * batch : (i + 1) * batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return step, lambda: [p.detach().cpu().numpy().copy() for p in (W, b, b_prime)]


def torch_finetune(x, y, batch, weights, device="cpu", compile=False):
    """PyTorch eager, or with ``compile`` the model through ``torch.compile``."""
    import torch
    import torch.nn.functional as F

    data = torch.from_numpy(x).to(device)
    labels = torch.from_numpy(y.astype(np.int64)).to(device)
    modules = []
    for W in weights[0:-2:2]:
        modules += [torch.nn.Linear(*W.shape), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*modules, torch.nn.Linear(*weights[-2].shape)).to(device)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for linear, W, b in zip(linears, weights[0::2], weights[1::2]):
            linear.weight.copy_(torch.from_numpy(W.T))  # torch stores (out, in)
            linear.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=FINETUNE_LR)
    forward = torch.compile(model) if compile else model

    def step(i):
        rows = slice(i * batch, (i + 1) * batch)
        loss = F.cross_entropy(forward(data[rows]), labels[rows])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    def current():
        out = []
        for linear in linears:
            weight, bias = (p.detach().cpu().numpy() for p in (linear.weight, linear.bias))
            out += [weight.T.copy(), bias.copy()]
        return out

    return step, current


# ---------------------------------------------------------------- JAX jit
def jax_da(x, batch, weights, corruption=CORRUPTION):
    """JAX as its tutorials teach: a pure loss, ``jax.value_and_grad``, an SGD update
    over the parameters' tree, all in one ``jax.jit`` function; the data on the
    device once, the minibatch cut inside with ``lax.dynamic_slice_in_dim``."""
    import jax
    import jax.numpy as jnp

    def loss(params, xb, key):
        W, b, b_prime = params
        tilde_x = xb * (jax.random.uniform(key, xb.shape) >= corruption)
        h = jax.nn.sigmoid(tilde_x @ W + b)
        a = h @ W.T + b_prime
        return jnp.sum(jax.nn.softplus(a) - xb * a) / xb.shape[0]

    @jax.jit
    def update(params, key, data, i):
        key, draw = jax.random.split(key)
        xb = jax.lax.dynamic_slice_in_dim(data, i * batch, batch)
        cost, grads = jax.value_and_grad(loss)(params, xb, draw)
        return cost, jax.tree.map(lambda p, g: p - DA_LR * g, params, grads), key

    state = {"params": tuple(jnp.asarray(w) for w in weights), "key": jax.random.key(0)}
    data = jnp.asarray(x)

    def step(i):
        cost, state["params"], state["key"] = update(state["params"], state["key"], data, i)
        return float(cost)

    return step, lambda: [np.asarray(p) for p in state["params"]]


def jax_finetune(x, y, batch, weights):
    import jax
    import jax.numpy as jnp

    def loss(params, xb, yb):
        h = xb
        for W, b in params[:-1]:
            h = jax.nn.sigmoid(h @ W + b)
        W, b = params[-1]
        log_p = jax.nn.log_softmax(h @ W + b)
        return -jnp.mean(jnp.take_along_axis(log_p, yb[:, None], axis=1))

    @jax.jit
    def update(params, data, labels, i):
        xb = jax.lax.dynamic_slice_in_dim(data, i * batch, batch)
        yb = jax.lax.dynamic_slice_in_dim(labels, i * batch, batch)
        cost, grads = jax.value_and_grad(loss)(params, xb, yb)
        return cost, jax.tree.map(lambda p, g: p - FINETUNE_LR * g, params, grads)

    pairs = zip(weights[0::2], weights[1::2])
    state = {"params": [(jnp.asarray(W), jnp.asarray(b)) for W, b in pairs]}
    data, labels = jnp.asarray(x), jnp.asarray(y.astype(np.int32))

    def step(i):
        cost, state["params"] = update(state["params"], data, labels, i)
        return float(cost)

    return step, lambda: [np.asarray(a) for pair in state["params"] for a in pair]


# ---------------------------------------------------------------- NumPy by hand
def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_da(x, batch, weights, corruption=CORRUPTION):
    rng = np.random.default_rng(0)
    W, b, b_prime = (w.copy() for w in weights)
    lr = np.float32(DA_LR)

    def step(i):
        xb = x[i * batch : (i + 1) * batch]
        tilde_x = xb * (rng.random(xb.shape, dtype=np.float32) >= corruption)
        h = _sigmoid(tilde_x @ W + b)
        a = h @ W.T + b_prime
        cost = np.sum(np.logaddexp(0, a) - xb * a) / batch
        d_a = (_sigmoid(a) - xb) / np.float32(batch)
        d_pre = (d_a @ W) * h * (1 - h)
        grad_W = tilde_x.T @ d_pre + d_a.T @ h
        W[...] -= lr * grad_W
        b[...] -= lr * d_pre.sum(axis=0)
        b_prime[...] -= lr * d_a.sum(axis=0)
        return cost

    return step, lambda: [W, b, b_prime]


def numpy_finetune(x, y, batch, weights):
    Ws = [w.copy() for w in weights[0::2]]
    bs = [b.copy() for b in weights[1::2]]
    lr = np.float32(FINETUNE_LR)

    def step(i):
        rows = slice(i * batch, (i + 1) * batch)
        hs = [x[rows]]
        for W, b in zip(Ws[:-1], bs[:-1]):
            hs.append(_sigmoid(hs[-1] @ W + b))
        logits = hs[-1] @ Ws[-1] + bs[-1]
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        target = y[rows]
        cost = -log_p[np.arange(len(target)), target].mean()
        delta = np.exp(log_p)
        delta[np.arange(len(target)), target] -= 1
        delta /= np.float32(len(target))
        for k in range(len(Ws) - 1, -1, -1):
            grad_W, grad_b = hs[k].T @ delta, delta.sum(axis=0)
            if k > 0:
                delta = (delta @ Ws[k].T) * hs[k] * (1 - hs[k])
            Ws[k] -= lr * grad_W
            bs[k] -= lr * grad_b
        return cost

    return step, lambda: [w for pair in zip(Ws, bs) for w in pair]


IMPLEMENTATIONS = {
    "dae": (dae_da, dae_finetune),
    "pytorch": (torch_da, torch_finetune),
    "torch-compile": (partial(torch_da, compile=True), partial(torch_finetune, compile=True)),
    "jax-jit": (jax_da, jax_finetune),
    "numpy": (numpy_da, numpy_finetune),
}
#: The library each implementation needs, and how to install it.
NEEDS = {
    "pytorch": ("torch", "pip install torch==2.13.0"),
    "torch-compile": ("torch", "pip install torch==2.13.0"),
    "jax-jit": ("jax", "pip install jax"),
}


def on_device(build, device):
    """``build``, compiling dae's functions for ``device`` (dae.backend.use_device)."""

    def build_on_device(*args, **kwargs):
        dae.backend.use_device(device)
        try:
            return build(*args, **kwargs)
        finally:
            dae.backend.use_device("cpu")

    return build_on_device


def device_implementations(device, with_torch):
    """On a GPU (or JAX's default device): dae there, dae on the CPU's C backend, and
    PyTorch on CUDA when ``with_torch``."""
    found = {
        "dae": tuple(on_device(build, device) for build in IMPLEMENTATIONS["dae"]),
        "dae-cpu": IMPLEMENTATIONS["dae"],
    }
    if with_torch:
        found["pytorch"] = tuple(
            partial(build, device="cuda") for build in IMPLEMENTATIONS["pytorch"]
        )
    return found


# ---------------------------------------------------------------- timing
def time_steps(step, n_steps, n_batches, offset):
    t = time.perf_counter()
    for k in range(n_steps):
        step((offset + k) % n_batches)
    return time.perf_counter() - t


def run(x, y, names, rounds, examples, batches=(1, 20, 128), implementations=None, peak=None):
    """Medians over ``rounds`` of each implementation's examples per second, for a
    dA step at each of ``batches`` and a fine-tuning step at each above 1; the rows
    and the GEMM rate (``peak``, or measured each round on the CPU) they are set
    against."""
    implementations = implementations or IMPLEMENTATIONS
    cases = [("dA", b) for b in batches] + [("fine-tune", b) for b in batches if b > 1]
    steps, flops = {}, {}
    weights = {"dA": da_weights(), "fine-tune": sda_weights()}
    for task, batch in cases:
        flops[task, batch] = (da_flops if task == "dA" else finetune_flops)(batch)
        for name in names:
            build_da, build_finetune = implementations[name]
            if task == "dA":
                step, _ = build_da(x, batch, weights[task])
            else:
                step, _ = build_finetune(x, y, batch, weights[task])
            for i in range(3):  # compile, allocate, warm up
                step(i)
            steps[task, batch, name] = step

    rates = {key: [] for key in steps}
    gemm = []
    for r in range(rounds):
        if peak is None:
            gemm.append(gemm_rate())
        for task, batch in cases:
            n_steps = max(1, (examples // 10 if batch == 1 else examples) // batch)
            for name in names[r % len(names) :] + names[: r % len(names)]:
                # Let the previous library's BLAS/OpenMP threads stop spinning first.
                time.sleep(0.3)
                step = steps[task, batch, name]
                seconds = time_steps(step, n_steps, x.shape[0] // batch, r * n_steps)
                rates[task, batch, name].append(n_steps * batch / seconds)
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)

    peak = peak or statistics.median(gemm)
    rows = []
    for task, batch in cases:
        row = {"step": task, "batch": batch}
        for name in names:
            row[name] = statistics.median(rates[task, batch, name])
            row[f"{name}_gemm_share"] = row[name] * flops[task, batch] / batch / peak
        for other in names[1:]:
            row[f"dae/{other}"] = row["dae"] / row[other]
        rows.append(row)
    return rows, peak


def variants(x, y, rounds, examples):
    """dae alone: what each backend choice, the cached pretraining path, and the
    fine-tuning options cost, and four ways to draw a masking-noise mask."""
    sda = new_sda()
    train_x = pytensor.shared(x, borrow=True)
    shared = [(train_x, pytensor.shared(y, borrow=True))] * 3
    cases = {}
    # dae's own CPU settings, set in PyTensor's config, where they then stand as given.
    cpu = dae.backend.cpu_settings()
    backends = [("Numba linker", {"mode": "NUMBA"})]
    if cpu:
        plain = cpu["gcc__cxxflags"].replace("-D__FAST_MATH__", "").strip()
        backends.append(("C linker + MKL", {**cpu, "gcc__cxxflags": plain}))
        backends.append(("C linker + MKL + vectorised exp/log (default)", cpu))
    for batch in (20, 128):
        for label, flags in backends:
            with pytensor.config.change_flags(**flags):
                step, _ = dae_da(x, batch, da_weights())
            cases[f"dA step, batch {batch}, {label}", batch] = step

    layers = sda.dA_layers
    codes = layers[1].hidden_representation(layers[0].hidden_representation(train_x))
    tutorial_path = sda.pretraining_functions(train_x, 20)[2]
    cached = layers[2].pretraining_function(codes, 20)
    cases["pretraining layer 3, batch 20, tutorial path (through layers 1-2)", 20] = tutorial_path
    cases["pretraining layer 3, batch 20, cached inputs", 20] = cached
    dropout = [0.1, 0.2, 0.2, 0.2]
    for label, kwargs in [
        ("plain SGD", {}),
        ("momentum 0.9", {"momentum": 0.9}),
        ("dropout 0.1/0.2 (train_sda.py default)", {"dropout": dropout}),
        ("momentum 0.9 and dropout", {"momentum": 0.9, "dropout": dropout}),
    ]:
        fn = sda.build_finetune_functions(shared, 20, FINETUNE_LR, **kwargs)[0]
        cases[f"fine-tuning, batch 20, {label}", 20] = fn
    cases["fine-tuning, batch 20, plain SGD, the NLL through softmax and log", 20] = (
        softmax_nll_step(sda, shared[0], 20)
    )

    rng = np.random.default_rng(0)
    bounds = np.zeros((1, 1)), np.ones((1, 1))
    shape = (128, N_IN)
    masks = {
        "mask 128 x 784: binomial(1, 0.9)": lambda: rng.binomial(1, 0.9, shape).astype(np.float32),
        "mask 128 x 784: uniform with array bounds (PyTensor's uniform)": lambda: (
            rng.uniform(*bounds, shape).astype(np.float32) >= 0.1
        ).astype(np.float32),
        "mask 128 x 784: Generator.random float32": lambda: (
            rng.random(shape, dtype=np.float32) >= 0.1
        ).astype(np.float32),
        "mask 128 x 784: 16-bit integers from raw 64-bit draws (dae)": lambda: (
            MaskBitsRV().rng_fn(rng, 0, 2**16, shape) >= 6554
        ).astype(np.float32),
    }

    result = median_rates(cases, rounds, examples, len(x))
    draws = {label: [] for label in masks}
    for _ in range(rounds):
        for label, draw in masks.items():
            t = time.perf_counter()
            for _ in range(100):
                draw()
            draws[label].append((time.perf_counter() - t) / 100)
    result.update({label: statistics.median(v) for label, v in draws.items()})
    return result


def softmax_nll_step(sda, data, batch):
    """The plain-SGD fine-tuning step with the tutorial's NLL,
    ``-mean(log(p_y_given_x)[arange(n), y])``, whose softmax, log-softmax and
    indexed gradient PyTensor runs as Python ops: what dae's NLL from the logits
    (:func:`dae.objectives.categorical_crossentropy_from_logits`) is worth."""
    index, (x, y) = pt.lscalar("index"), data
    log_p = pt.log(sda.logLayer.p_y_given_x)
    cost = -pt.mean(log_p[pt.arange(sda.y.shape[0]), sda.y])
    givens = {sda.x: minibatch(x, index, batch), sda.y: minibatch(y, index, batch)}
    updates = dae.updates.sgd(cost, sda.params, FINETUNE_LR)
    return dae.backend.function([index], cost, updates=updates, givens=givens)


def median_rates(cases, rounds, examples, n_rows):
    """Examples per second of each ``cases[label, examples_per_call]``, a function of
    a call index, as the median over ``rounds`` rounds of about ``examples`` each,
    the cases taking turns; ``n_rows`` rows of data bound the indices."""
    for (_, per_call), call in cases.items():
        for i in range(3):  # compile, allocate, warm up
            call(i % (n_rows // per_call))
    rates = {key: [] for key in cases}
    for r in range(rounds):
        for (label, per_call), call in cases.items():
            time.sleep(0.3)
            n_calls = max(1, examples // per_call)
            seconds = time_steps(call, n_calls, n_rows // per_call, r * n_calls)
            rates[label, per_call].append(n_calls * per_call / seconds)
    return {label: statistics.median(v) for (label, _), v in rates.items()}


def call_forms(x, y, rounds, examples, steps=None):
    """What a call costs, and what ``steps`` training steps in one call (scan) are
    worth against one step a call, on the C backend and under JAX (on JAX's
    default device), for the dA and fine-tuning steps at batches 20 and 128."""
    import pytensor.tensor as pt

    steps = steps or dae.backend.STEPS_PER_CALL["JAX"]
    backends = {"C linker": {}}
    if importlib.util.find_spec("jax") is not None:
        backends["JAX"] = {"mode": "JAX"}
    result = {}
    for name, flags in backends.items():
        with pytensor.config.change_flags(**flags):
            index = pt.lscalar("index")
            trivial = dae.backend.function([index], index + 1)
        trivial(0)
        seconds = []
        for _ in range(rounds):
            start = time.perf_counter()
            for i in range(2000):
                float(trivial(i))
            seconds.append((time.perf_counter() - start) / 2000)
        result[f"one call of a trivial function, {name} (us)"] = 1e6 * statistics.median(seconds)

    cases = {}
    for name, flags in backends.items():
        for batch in (20, 128):
            for per_call in (1, steps):
                with pytensor.config.change_flags(**flags):
                    da = dae.dA(np.random.RandomState(0), n_visible=N_IN, n_hidden=N_HIDDEN)
                    fn = da.pretraining_function(
                        pytensor.shared(x), batch, CORRUPTION, DA_LR, steps_per_call=per_call
                    )
                    sda = new_sda()
                    shared = [(pytensor.shared(x), pytensor.shared(y))] * 3
                    ft = sda.build_finetune_functions(
                        shared, batch, FINETUNE_LR, steps_per_call=per_call
                    )[0]
                form = "one step a call" if per_call == 1 else f"{per_call} steps a call"
                for task, f in (("dA step", fn), ("fine-tuning step", ft)):
                    # A chunk of minibatches of `batch` is timed as one step of them all.
                    call = (
                        (lambda i, f=f: float(f(i)))
                        if per_call == 1
                        else (lambda i, f=f, k=per_call: np.asarray(f.chunk(i * k)))
                    )
                    cases[f"{task}, batch {batch}, {name}, {form}", batch * per_call] = call
    result.update(median_rates(cases, rounds, examples, len(x)))
    return result


def reference_check(datasets, log):
    """The tutorials' speed check at batch size 300: two dAs for 2 epochs each
    (0% and 30% corruption, 500 hidden units), and an SdA with 1 pretraining
    epoch per layer (cached, dae's default) and 2 fine-tuning epochs, each
    timed from model construction, compilation included."""
    from dae.training import early_stopping, pretrain

    train_x = datasets[0][0]
    n_batches = train_x.get_value(borrow=True).shape[0] // 300
    start = time.perf_counter()
    for level in (0.0, 0.3):
        da = dae.dA(np.random.RandomState(123), n_visible=N_IN, n_hidden=500)
        fn = da.pretraining_function(train_x, 300, corruption_level=level, learning_rate=0.1)
        pretrain([fn], n_batches, 2, [level], 0.1, log=lambda line: None)
    da_seconds = time.perf_counter() - start

    start = time.perf_counter()
    sda = dae.SdA(
        np.random.RandomState(89677),
        n_ins=N_IN,
        hidden_layers_sizes=LAYERS,
        n_outs=N_OUT,
        corruption_levels=[0.1, 0.2, 0.3],
    )
    fns = sda.cached_pretraining_functions(train_x, 300)
    pretrain(fns, n_batches, 1, [0.1, 0.2, 0.3], 0.001, log=lambda line: None)
    train_fn, valid_score, test_score = sda.build_finetune_functions(datasets, 300, 0.1)
    early_stopping(train_fn, valid_score, test_score, n_batches, 2, log=lambda line: None)
    sda_seconds = time.perf_counter() - start
    log(f"reference: dA {da_seconds:.1f} s, SdA {sda_seconds:.1f} s")
    return {"dA_seconds": da_seconds, "SdA_seconds": sda_seconds}


def print_table(rows, names, peak, device="cpu"):
    where = "this machine (NumPy, 2048^3)" if device == "cpu" else f"device {device} (JAX, 8192^3)"
    print(f"float32 GEMM rate of {where}: {peak / 1e9:.1f} GFLOP/s\n")
    head = ["step", "batch"] + [f"{n} ex/s" for n in names]
    # Time over the GEMM bound, as train_sda.py reports a whole run's.
    head += [f"dae/{n}" for n in names[1:]] + [f"{n} x bound" for n in names]
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for row in rows:
        cells = [row["step"], str(row["batch"])]
        cells += [f"{row[n]:,.0f}" for n in names]
        cells += [f"{row[f'dae/{n}']:.2f}" for n in names[1:]]
        cells += [f"{1 / row[f'{n}_gemm_share']:.2f}" for n in names]
        print(" | ".join(cells))


def main(argv=None):
    dae.backend.configure()  # float32, as train_sda.py runs
    args = parse_args(argv)
    datasets, name = load_mnist_or_sample(args.data)
    if args.reference and name != "mnist":
        sys.exit(
            f"error: --reference times full MNIST (50,000 training digits), as the published "
            f"71 s and 191.2 s did; the data here is {name}: give --data MNIST_FOLDER"
        )
    x = datasets[0][0].get_value()
    y = datasets[0][1].get_value()
    if args.device == "cpu":
        names, found, peak = implementations(args.without), IMPLEMENTATIONS, None
    else:
        found = device_implementations(args.device, with_cuda_torch(args.without))
        names, peak = list(found), gemm_rate(device=args.device)
    batches = args.batches or ((1, 20, 128) if args.device == "cpu" else (20, 128, 1024))
    rows, peak = run(x, y, names, args.rounds, args.examples, batches, found, peak)
    print_table(rows, names, peak, args.device)
    result = {"dataset": name, "device": args.device, "gemm_flops": peak, "rows": rows}
    result.update(describe=on_device(dae.backend.describe, args.device)(), argv=sys.argv[1:])
    if args.device == "cpu":
        result["variants"] = variants(x, y, args.rounds, args.examples)
        result["variants"].update(call_forms(x, y, args.rounds, args.examples))
        print_variants(result["variants"])
    if args.reference:
        result["reference"] = reference_check(datasets, print)
        print("published float32 on one i7-920 core: dA 71 s, SdA 191.2 s")
    if args.json:
        dae.files.save_metrics(args.json, result)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        help=f"MNIST folder (default: {DEFAULT_DATA}, downloaded if missing)",
    )
    parser.add_argument("--rounds", type=positive_int, default=7, help="timed rounds (median)")
    parser.add_argument(
        "--examples", type=positive_int, default=5000, help="examples per timing, batch >= 20"
    )
    parser.add_argument(
        "--without",
        choices=[name for name in IMPLEMENTATIONS if name != "dae"],
        action="append",
        default=[],
        help="leave an implementation out (it is reported as left out)",
    )
    parser.add_argument(
        "--device",
        choices=dae.backend.DEVICES,
        default="cpu",
        help="gpu (or jax, JAX's default device): time dae there against dae on the CPU "
        "and PyTorch with CUDA, at batches 20, 128 and 1024 (default: %(default)s)",
    )
    parser.add_argument(
        "--batches",
        type=positive_int,
        nargs="+",
        help="batch sizes (default: 1 20 128 on the CPU; 20 128 1024 on a device)",
    )
    parser.add_argument("--reference", action="store_true", help="also run the tutorials' check")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args(argv)


def implementations(without):
    """The names of the implementations to time; exits if one wanted is missing."""
    names = [n for n in IMPLEMENTATIONS if n not in without]
    for name in names:
        if name in NEEDS:
            module, install = NEEDS[name]
            try:
                library = importlib.import_module(module)
            except ImportError:
                sys.exit(f"error: {name} needs {module}: {install}, or --without {name}")
            print(f"{name}: {module} {library.__version__}", file=sys.stderr)
    for name in without:
        print(f"{name} left out (--without {name})", file=sys.stderr)
    return names


def with_cuda_torch(without):
    """Whether PyTorch with CUDA is there to time beside dae on a device; says which."""
    if "pytorch" in without:
        print("PyTorch left out (--without pytorch)", file=sys.stderr)
        return False
    try:
        import torch
    except ImportError:
        print("PyTorch left out: not installed", file=sys.stderr)
        return False
    if not torch.cuda.is_available():
        print(f"PyTorch {torch.__version__} left out: it sees no CUDA device", file=sys.stderr)
        return False
    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()}", file=sys.stderr)
    return True


def print_variants(results):
    print("\ndae alone | examples/s, or ms per mask\n--- | ---")
    for label, value in results.items():
        if label.startswith("mask"):
            print(f"{label} | {value * 1e3:.2f} ms")
        elif label.endswith("(us)"):
            print(f"{label} | {value:.1f}")
        else:
            print(f"{label} | {value:,.0f}")


if __name__ == "__main__":
    main()
