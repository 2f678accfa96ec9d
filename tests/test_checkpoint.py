"""The training loops' checkpoints, stops, divergence checks and progress bars."""

import json
import os
import re
import signal
import time

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

import dae
from dae.data import DataError
from dae.training import (
    DivergenceError,
    Interrupted,
    Monitor,
    early_stopping,
    pretrain,
    train_epochs,
    updated_variables,
)
from dae.updates import apply_momentum, sgd

QUIET = {"log": lambda line: None}


def small_sda(seed=0):
    rng = np.random.RandomState(seed)
    sda = dae.SdA(rng, n_ins=12, hidden_layers_sizes=[8, 6], n_outs=3, corruption_levels=[0.1, 0.2])
    data = np.random.RandomState(1)
    sets = [
        (
            pytensor.shared(data.rand(n, 12).astype("float32")),
            pytensor.shared(data.randint(0, 3, n).astype("int32")),
        )
        for n in (100, 40, 40)
    ]
    return sda, sets


def sda_run(folder, stop_at=None, resume=False):
    """Pretrain and fine-tune a small SdA (dropout, momentum) under a Monitor.

    ``stop_at=(phase, epoch, index)`` asks for a stop during that minibatch, as
    Ctrl-C would. Returns the parameter values, the metrics and the result."""
    sda, sets = small_sda()
    lr = pytensor.shared(np.float32(0.5), name="lr")
    train_fn, valid_score, test_score = sda.build_finetune_functions(
        sets, 10, lr, momentum=0.5, dropout=[0.1, 0.2, 0.2]
    )
    variables = {f"p{k}": p for k, p in enumerate(sda.params)}
    variables.update({f"b_prime{k}": da.b_prime for k, da in enumerate(sda.dA_layers)})
    variables.update(lr=lr, rng=sda.theano_rng)
    monitor = Monitor(folder, variables, functions=[train_fn], resume=resume, progress=False)

    def stopping(fn, phase):
        def step(index, **kwargs):
            loop = monitor.state["phases"][phase]
            if stop_at == (phase, loop["epoch"] + 1, index):
                monitor.stop_requested = True
            return fn(index, **kwargs)

        return step

    fns = [
        stopping(fn, f"pretraining layer {k}")
        for k, fn in enumerate(sda.pretraining_functions(sets[0][0], 10), start=1)
    ]
    with monitor:
        pretrain(fns, 10, 3, [0.1, 0.2], 0.1, monitor=monitor, **QUIET)
        result = early_stopping(
            stopping(train_fn, "fine-tuning"),
            valid_score,
            test_score,
            10,
            5,
            params=sda.params,
            after_epoch=lambda e: lr.set_value(np.float32(0.5 * 0.9**e)),
            monitor=monitor,
            **QUIET,
        )
    values = [v.get_value() for v in variables.values() if v is not sda.theano_rng]
    return values, monitor.state["metrics"], result


def without_seconds(records):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


@pytest.mark.parametrize(
    "stop_at",
    [("pretraining layer 1", 2, 0), ("pretraining layer 2", 3, 7), ("fine-tuning", 4, 9)],
)
def test_a_stop_anywhere_then_resume_gives_the_uninterrupted_run(tmp_path, stop_at):
    values, metrics, result = sda_run(tmp_path / "straight")
    with pytest.raises(Interrupted, match="saved in"):
        sda_run(tmp_path / "stopped", stop_at=stop_at)
    assert (tmp_path / "stopped" / "checkpoint.npz").exists()
    resumed_values, resumed_metrics, resumed_result = sda_run(tmp_path / "stopped", resume=True)
    for a, b in zip(values, resumed_values):
        np.testing.assert_array_equal(a, b)
    assert without_seconds(metrics) == without_seconds(resumed_metrics)
    assert without_seconds(result["history"]) == without_seconds(resumed_result["history"])
    assert result["test_error"] == resumed_result["test_error"]


def test_ctrl_c_inside_the_block_stops_after_the_minibatch(tmp_path):
    w = pytensor.shared(np.float32(1.0), name="w")
    step = pytensor.function([], w, updates={w: w + 1})
    calls = []

    def interrupted_step(index):
        calls.append(index)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return step()

    before = signal.getsignal(signal.SIGINT)
    monitor = Monitor(tmp_path, {"w": w}, progress=False)
    with pytest.raises(Interrupted), monitor:
        train_epochs(interrupted_step, 5, 2, monitor, **QUIET)
    assert signal.getsignal(signal.SIGINT) is before
    assert len(calls) == 3 and float(w.get_value()) == 4.0  # the third step finished
    resumed = Monitor(tmp_path, {"w": w}, resume=True)
    assert resumed.state["phases"]["training"]["batch"] == 3


def test_divergence_names_phase_and_epoch_and_keeps_the_last_checkpoint(tmp_path):
    w = pytensor.shared(np.ones(3, dtype="float32"), name="w")
    monitor = Monitor(tmp_path, {"W1": w}, progress=False)
    costs = {1: 1.0, 2: 0.5, 3: float("nan")}

    def step(index):
        epoch = monitor.state["phases"]["pretraining layer 2"]["epoch"] + 1
        if epoch == 3:
            w.set_value(np.full(3, np.inf, dtype="float32"))
        return costs[epoch]

    path = tmp_path / "checkpoint.npz"
    train_epochs(step, 4, 2, monitor, phase="pretraining layer 2", **QUIET)
    saved = path.read_bytes()
    with pytest.raises(DivergenceError) as error:
        train_epochs(step, 4, 3, monitor, phase="pretraining layer 2", **QUIET)
    message = str(error.value)
    assert message.startswith("pretraining layer 2, epoch 3, minibatch 0: the cost is nan")
    assert "NaN or infinite values in W1" in message and f"{path}" in message
    assert path.read_bytes() == saved


def test_non_finite_values_are_never_checkpointed(tmp_path):
    w = pytensor.shared(np.ones(2, dtype="float32"), name="w")

    def step(index):  # a finite cost, but the last step of epoch 2 breaks w
        if monitor.state["phases"]["training"]["epoch"] == 1 and index == 1:
            w.set_value(np.array([1.0, np.nan], dtype="float32"))
        return 1.0

    monitor = Monitor(tmp_path, {"w": w}, progress=False)
    with pytest.raises(DivergenceError, match="training, epoch 2: not saved; NaN .* in w"):
        train_epochs(step, 2, 3, monitor, **QUIET)
    restored = Monitor(tmp_path, {"w": w}, resume=True)
    assert restored.state["phases"]["training"]["epoch"] == 1
    np.testing.assert_array_equal(w.get_value(), [1.0, 1.0])


def test_generators_and_hidden_state_are_restored(tmp_path):
    rng = pt.random.shared_rng(seed=3)
    w = pytensor.shared(np.zeros(4, dtype="float32"), name="w")
    _, u = rng.uniform(size=(4,))
    cost = pt.sum((w - u) ** 2)
    step = pytensor.function(
        [], cost, updates={**apply_momentum(sgd(cost, [w], 0.1), [w], 0.9), **dae.rng_updates(u)}
    )
    (velocity,) = [v for v in updated_variables(step) if v is not w and v is not rng]
    monitor = Monitor(tmp_path, {"w": w, "rng": rng}, functions=[step])
    (name,) = [k for k, v in monitor.variables.items() if v is velocity]
    assert name.startswith("velocity_w")
    train_epochs(lambda i: step(), 3, 1, monitor, **QUIET)
    expected = [float(step()) for _ in range(3)]
    # Scramble everything, then restore: the next costs must be the same.
    w.set_value(np.full(4, 9, dtype="float32"))
    velocity.set_value(np.full(4, 9, dtype="float32"))
    rng.set_value(np.random.default_rng(99))
    Monitor(tmp_path, {"w": w, "rng": rng}, functions=[step], resume=True)
    assert [float(step()) for _ in range(3)] == expected


def test_a_checkpoint_is_never_overwritten_or_misread(tmp_path):
    w = pytensor.shared(np.ones(3, dtype="float32"), name="w")
    Monitor(tmp_path, {"w": w}, config={"lr": 0.1}).save()
    path = tmp_path / "checkpoint.npz"
    with pytest.raises(DataError, match="unfinished run"):
        Monitor(tmp_path, {"w": w}, config={"lr": 0.1})
    with pytest.raises(DataError, match=r"other settings \(lr\)"):
        Monitor(tmp_path, {"w": w}, config={"lr": 0.2}, resume=True)
    other = pytensor.shared(np.ones(4, dtype="float32"))
    with pytest.raises(DataError, match=r"w is float32 \(3,\), the model's is float32 \(4,\)"):
        Monitor(tmp_path, {"w": other}, config={"lr": 0.1}, resume=True)
    with pytest.raises(DataError, match="no value for v"):
        Monitor(tmp_path, {"w": w, "v": other}, config={"lr": 0.1}, resume=True)
    good = path.read_bytes()
    for damaged in (good[: len(good) // 2], b"\x00" * 100, b""):
        path.write_bytes(damaged)
        with pytest.raises(DataError, match=f"{path}: not a readable"):
            Monitor(tmp_path, {"w": w}, config={"lr": 0.1}, resume=True)


def test_a_checkpoint_of_an_earlier_release_under_other_settings_names_its_version(tmp_path):
    """A checkpoint written before checkpoints carried a version, whose settings
    lack an option added since: refused, naming both releases."""
    w = pytensor.shared(np.ones(3, dtype="float32"), name="w")
    Monitor(tmp_path, {"w": w}, config={"lr": 0.1}).save()
    path = tmp_path / "checkpoint.npz"
    stored = dict(np.load(path, allow_pickle=False))
    header = json.loads(str(stored["header"]))
    del header["version"]
    stored["header"] = np.array(json.dumps(header))
    np.savez(path, **stored)
    same = Monitor(tmp_path, {"w": w}, config={"lr": 0.1}, resume=True)
    assert same.resumed  # the same settings still resume
    same.save()
    stored = dict(np.load(path, allow_pickle=False))
    header = json.loads(str(stored["header"]))
    assert header["version"] == dae.__version__
    del header["version"]
    stored["header"] = np.array(json.dumps(header))
    np.savez(path, **stored)
    message = (
        rf"other settings \(new_option\) by dae 0.1.0 or earlier \(this is dae {dae.__version__}\)"
    )
    with pytest.raises(DataError, match=message):
        Monitor(tmp_path, {"w": w}, config={"lr": 0.1, "new_option": 1}, resume=True)


def test_resume_without_a_checkpoint_starts_over(tmp_path):
    monitor = Monitor(tmp_path / "new", {}, resume=True)
    assert not monitor.resumed and monitor.state["metrics"] == []


def test_progress_bar_shows_rate_and_eta_only_when_asked(capsys):
    def step(index):
        time.sleep(0.01)  # slow enough for tqdm to redraw the bar
        return 1.0

    train_epochs(step, 30, 1, Monitor(progress=True), phase="layer 1", **QUIET)
    shown = capsys.readouterr().err
    assert "layer 1, epoch 1:" in shown and "/30 [" in shown
    assert re.search(r"<00:0\d, +\d+\.\d+batch/s\]", shown)  # time left and rate
    train_epochs(step, 30, 1, Monitor(progress=None), **QUIET)  # stderr is no terminal here
    train_epochs(step, 30, 1, Monitor(progress=False), **QUIET)
    assert capsys.readouterr().err == ""
