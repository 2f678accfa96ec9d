"""Sweeps: many ``train_sda.py`` trainings, one per setting and seed, on Ray Tune.

The engine of the ``sweep`` and ``variations_table`` commands. A sweep is a *plan*,
the settings (each a value for every varied option of ``train_sda.py``), the seeds
and the options every trial gets, and one *trial* per setting and seed. A trial is
:func:`dae.apps.train_sda.train_sda`, the run of ``train_sda.py``, on the trial's
command line, in a Ray worker in its own folder,
``trials/<setting>/seed-<k>``, with ``--resume``: a trial whose worker dies is
retried and goes on from its last checkpoint, and a sweep run again with
``--resume`` skips the trials that have finished. The results are one row per
trial (``results.csv``) and, per setting, the mean, the standard deviation and the
95% confidence interval of the errors over the seeds (``summary.md``,
``summary.png``), ranked by validation error.

Ray is imported only to run trials, so the plan and the statistics work without it.

Examples
--------
>>> plan = make_plan(grid_settings([parse_grid("finetune-lr=0.5,1.0")]), seeds=2,
...                  options=["--hidden", "20"])
>>> [(t["setting"], t["seed"]) for t in plan_trials(plan, "runs/sweep")]
[('finetune-lr=0.5', 1), ('finetune-lr=1.0', 1), ('finetune-lr=0.5', 2), ('finetune-lr=1.0', 2)]
>>> plan_trials(plan, "runs/sweep")[0]["argv"][:6]
['--hidden', '20', '--finetune-lr', '0.5', '--seed', '1']
"""

import contextlib
import csv
import io
import itertools
import json
import math
import os
import re
import shlex
import socket
import time
from pathlib import Path

import numpy as np

from dae.apps import train_sda
from dae.checks import DataError
from dae.files import lock_folder, markdown_table, save_metrics, write_atomic
from dae.statistics import mean_and_interval, percent
from dae.training import METRICS, read_metrics

__all__ = [
    "FAILED",
    "PLAN",
    "RESULTS",
    "STOPPED",
    "SUMMARY",
    "grid_settings",
    "make_plan",
    "parse_grid",
    "plan_trials",
    "random_settings",
    "run_sweep",
    "summarize",
]

#: In a sweep's folder: its plan, the settings, seeds and options of its trials.
PLAN = "plan.json"
#: In a sweep's folder: a row per trial, with its status and errors.
RESULTS = "results.csv"
#: In a sweep's folder: each setting's errors over its seeds, ranked by validation error.
SUMMARY = "summary.md"
#: In a sweep's folder: the summary drawn.
PLOT = "summary.png"
#: A trial's host, process and attempts, in its folder.
TRIAL = "trial.json"
#: In a trial's folder: the trial was stopped early by the scheduler (ASHA).
STOPPED = "stopped-early.json"
#: In a trial's folder: the trial's last attempt ended in an error, kept here.
FAILED = "failed.json"
#: Set by the sweep for each trial, so not to be given after ``--``.
RESERVED = ("output", "seed", "resume", "quiet")
#: Every variable that sets a BLAS or OpenMP thread pool: Ray sets only the last.
THREAD_VARIABLES = ("MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


# ---------------------------------------------------------------- the plan
def parse_grid(text):
    """``"OPTION=V1,V2,..."`` as ``(option, [V1, V2, ...])``; each value is the
    option's words, separated by spaces (``"corruption=0.1 0.2,0.2 0.3"``)."""
    option, equals, values = text.partition("=")
    option = option.strip().removeprefix("--")
    values = [" ".join(value.split()) for value in values.split(",")]
    if not equals or not option or not all(values):
        raise ValueError(f"--grid {text}: expected OPTION=VALUE,VALUE,...")
    return option, values


def grid_settings(grids):
    """Every combination of the ``(option, values)`` of ``grids``, the first varying
    slowest, as dicts ``{option: value}``; ``[{}]``, one setting, without grids."""
    options = [option for option, _ in grids]
    if len(set(options)) < len(options):
        raise ValueError("an option is given to --grid twice")
    return [dict(zip(options, values)) for values in itertools.product(*(v for _, v in grids))]


def random_settings(space, n, seed=0):
    """``n`` settings drawn from ``space``, with NumPy's generator seeded by ``seed``.

    ``space`` maps each option to ``{"uniform": [low, high]}``,
    ``{"loguniform": [low, high]}``, ``{"randint": [low, high]}`` (high included) or
    ``{"choice": [value, ...]}``. Numbers are kept to 3 significant digits, so a
    trial trains with exactly the value its folder is named by.
    """
    rng = np.random.default_rng(seed)
    draws = {
        "uniform": lambda low, high: f"{rng.uniform(low, high):.3g}",
        "loguniform": lambda low, high: (
            f"{math.exp(rng.uniform(math.log(low), math.log(high))):.3g}"
        ),
        "randint": lambda low, high: str(int(rng.integers(low, high + 1))),
        "choice": lambda *values: str(values[rng.integers(len(values))]),
    }
    settings = []
    for _ in range(n):
        setting = {}
        for option, spec in space.items():
            ((kind, arguments),) = spec.items()
            if kind not in draws:
                raise ValueError(f"{option}: {kind} is none of {', '.join(draws)}")
            setting[option.removeprefix("--")] = " ".join(draws[kind](*arguments).split())
        settings.append(setting)
    return settings


def make_plan(settings, seeds, options=(), first_seed=1):
    """The plan of a sweep: its ``settings``, ``seeds`` seeds from ``first_seed`` on
    and the ``options`` every trial gets; ValueError if ``options`` sets what the
    sweep sets."""
    varied = {option for setting in settings for option in setting}
    given = {word[2:].partition("=")[0] for word in options if word.startswith("--")}
    clash = sorted(given & (varied | set(RESERVED)))
    if clash:
        raise ValueError(
            f"options after -- set {', '.join('--' + o for o in clash)}, which the sweep "
            "sets for each trial"
        )
    return {
        "settings": list(settings),
        "seeds": list(range(first_seed, first_seed + seeds)),
        "options": [*options],
    }


def setting_name(setting):
    """A setting as a folder name: ``finetune-lr=0.5,corruption=0.1_0.2_0.3``."""
    if not setting:
        return "default"
    name = ",".join(f"{option}={'_'.join(value.split())}" for option, value in setting.items())
    return re.sub(r"[^\w.=,+-]", "_", name)


def plan_trials(plan, output):
    """The trials of ``plan`` in the sweep folder ``output``: dicts with the
    setting's name and values, the seed, the trial's folder and its command line."""
    trials = []
    # Seed by seed, every setting: a sweep stopped early has as many seeds of each.
    for seed in plan["seeds"]:
        for setting in plan["settings"]:
            words = [w for o, value in setting.items() for w in [f"--{o}", *value.split()]]
            folder = Path(output).resolve() / "trials" / setting_name(setting) / f"seed-{seed}"
            argv = [*plan["options"], *words, "--seed", str(seed), "--output", str(folder)]
            trials.append(
                {
                    "setting": setting_name(setting),
                    "values": setting,
                    "seed": seed,
                    "folder": str(folder),
                    "argv": [*argv, "--resume", "--quiet"],
                }
            )
    return trials


def finished(trial):
    """Whether ``trial`` has ended: it wrote its results, or was stopped early."""
    folder = Path(trial["folder"])
    return (folder / "metrics.json").exists() or (folder / STOPPED).exists()


def start_plan(output, plan, resume):
    """Write ``plan`` to ``output``, or, with ``resume``, check that it is the plan
    there; DataError if a plan is there without ``resume``, or another one with it."""
    path = Path(output) / PLAN
    if path.exists():
        saved = json.loads(path.read_text())
        if not resume:
            raise DataError(
                f"{output} holds a sweep: add --resume to go on with it, or choose another "
                "output folder"
            )
        if saved != plan:
            changed = [key for key in plan if plan[key] != saved.get(key)]
            raise DataError(
                f"{path} is another plan ({', '.join(changed)} differ): resume with the "
                "sweep's own settings, seeds and options, or choose another output folder"
            )
    else:
        save_metrics(path, plan)


# ---------------------------------------------------------------- running it
def run_sweep(
    output,
    plan,
    address=None,
    resume=False,
    cpus_per_trial=1,
    max_failures=3,
    asha=False,
    log=None,
):
    """Run the trials of ``plan`` not yet finished, on Ray, and write the results.

    Parameters
    ----------
    output : path-like
        The sweep's folder, locked while it runs (:func:`dae.files.lock_folder`).
    plan : dict
        From :func:`make_plan`.
    address : str, optional
        A Ray cluster's ``HEAD:PORT``; None starts Ray on this machine, with one
        trial per ``cpus_per_trial`` cores, and stops it at the end.
    resume : bool
        Go on with the sweep in ``output``, which must have the same plan.
    cpus_per_trial : int
        Cores per trial; its BLAS and OpenMP threads.
    max_failures : int
        How often a trial whose worker died is started again, from its checkpoint.
    asha : bool
        Stop trials early on their validation error (Ray Tune's ASHA).
    log : callable, optional
        Receives the progress lines; by default they are printed.

    Returns
    -------
    list of dict
        The rows of ``results.csv``.
    """
    output = Path(output).resolve()
    log = log or say
    with lock_folder(output):
        start_plan(output, plan, resume)
        trials = plan_trials(plan, output)
        for trial in trials:
            # A mistyped option stops the sweep here, not in a worker.
            train_sda.options(trial["argv"])
        todo = [trial for trial in trials if not finished(trial)]
        log(f"sweep: {len(trials)} trials, {len(trials) - len(todo)} finished before")
        if todo:
            run_on_ray(output, todo, len(trials), address, cpus_per_trial, max_failures, asha, log)
        left = [trial for trial in todo if not finished(trial)]
        if left:
            log(f"sweep: {len(left)} trials unfinished; the same command with --resume goes on")
        rows = [trial_row(trial) for trial in trials]
        write_reports(output, rows)
    return rows


def run_on_ray(output, todo, total, address, cpus_per_trial, max_failures, asha, log):
    """Run the trials ``todo`` with Ray Tune; mark those ASHA stopped."""
    import ray
    from ray import tune

    threads = {variable: str(cpus_per_trial) for variable in THREAD_VARIABLES}
    # Each worker process configures PyTensor once, as it starts, as a command's main
    # does: a worker runs trial after trial.
    runtime_env = {"env_vars": threads, "worker_process_setup_hook": "dae.backend.configure"}
    # A trial's output is in its output.log; what else Ray's workers print, such as
    # their tracebacks when a stopped sweep ends them, stays in Ray's session logs.
    options = {"runtime_env": runtime_env, "log_to_driver": False}
    if address is None:
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, **options)
    else:
        ray.init(address=address, **options)
    try:
        warm_compile_cache(todo[0], cpus_per_trial)
        scheduler = None
        if asha:
            epochs = max(train_sda.options(trial["argv"])["training_epochs"] for trial in todo)
            scheduler = tune.schedulers.ASHAScheduler(
                time_attr="epoch",
                metric="validation_error",
                mode="min",
                max_t=epochs,
                # A tenth of the longest fine-tuning, at least 2 epochs: the first
                # epochs tell the learning rates apart more than the settings.
                grace_period=min(max(2, epochs // 10), epochs),
                reduction_factor=3,
                stop_last_trials=False,  # a trial at its last epoch ends by itself, whole
            )
        tuner = tune.Tuner(
            tune.with_resources(run_trial, {"cpu": cpus_per_trial}),
            param_space={"trial": tune.grid_search(todo), "cwd": os.getcwd()},
            tune_config=tune.TuneConfig(
                scheduler=scheduler,
                reuse_actors=True,
                trial_dirname_creator=lambda t: f"trial_{t.trial_id}",
            ),
            run_config=tune.RunConfig(
                name="tune",
                storage_path=str(output / "ray"),
                failure_config=tune.FailureConfig(max_failures=max_failures),
                callbacks=[tune_callback(Progress(total, total - len(todo), log))],
                verbose=0,
            ),
        )
        for result in tuner.fit():
            if result.config is None:  # an interrupted sweep never started this trial
                continue
            trial = result.config["trial"]
            if result.error is not None:
                save_metrics(Path(trial["folder"]) / FAILED, {"error": str(result.error)})
            elif stopped_early(trial, result.metrics):
                save_metrics(Path(trial["folder"]) / STOPPED, result.metrics)
    finally:
        ray.shutdown()


def stopped_early(trial, metrics):
    """Whether the scheduler ended ``trial``: Tune marks it done without results of
    its own. A trial cut short by an interrupted sweep is not done, and resumes."""
    return not finished(trial) and bool((metrics or {}).get("done"))


def warm_compile_cache(trial, cpus_per_trial):
    """Compile a tiny run of ``trial``'s options once on each node, before the trials.

    PyTensor keeps compiled C code in a cache every process of a user shares,
    behind one lock; trials that all start by compiling the same graphs would
    queue on it. Warmed, they find the code compiled and only load it.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    given = train_sda.options(trial["argv"])
    tiny = [
        *trial["argv"],
        *("--limit", str(given["batch_size"]), "--training-epochs", "1"),
        *("--pretraining-epochs", str(min(1, given["pretraining_epochs"]))),
    ]
    warm = ray.remote(num_cpus=cpus_per_trial)(warm_up)
    nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
    try:
        ray.get(
            [
                warm.options(
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=True)
                ).remote(tiny, os.getcwd())
                for node in nodes
            ]
        )
    except ray.exceptions.RayTaskError as e:  # the trials would all fail the same way
        raise DataError(f"the trials cannot run: {e.cause}") from None


def train(argv, on_epoch=None):
    """:func:`dae.apps.train_sda.train_sda` on the command line ``argv``, as
    ``train_sda.py`` runs it; its metrics."""
    command = shlex.join(["train_sda.py", *argv])
    return train_sda.train_sda(**train_sda.options(argv), command=command, on_epoch=on_epoch)


def warm_up(argv, cwd):
    """Run ``train_sda`` on ``argv`` in a folder thrown away, its output discarded."""
    import tempfile

    os.chdir(cwd)
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(io.StringIO()):
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                train([*argv, "--output", folder])
            except SystemExit as e:  # a check's message, which would end the worker
                raise DataError(str(e.code).removeprefix("error: ")) from None


def run_trial(config):
    """One trial, in a Ray worker: ``train_sda`` on the trial's command line, in the
    sweep's working folder, its output in ``output.log``; every fine-tuning epoch's
    validation error goes to Tune, for ASHA."""
    from ray import tune

    trial = config["trial"]
    folder = Path(trial["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    before = read_json(folder / TRIAL) or {}
    (folder / FAILED).unlink(missing_ok=True)  # an earlier sweep's failure, tried again
    attempt = {"host": socket.gethostname(), "pid": os.getpid()}
    save_metrics(folder / TRIAL, {**attempt, "attempts": before.get("attempts", 0) + 1})

    def report(record):
        if "validation_error" in record:
            tune.report({"epoch": record["epoch"], "validation_error": record["validation_error"]})

    # Relative paths (--data, the default data/mnist) are the sweep's, not Ray's.
    os.chdir(config["cwd"])
    with open(folder / "output.log", "a") as log, contextlib.redirect_stdout(log):
        with contextlib.redirect_stderr(log):
            train(trial["argv"], on_epoch=report)


class Progress:
    """The progress line: trials done, running and left, and when the sweep should
    end, at the rate trials have ended so far in this run."""

    def __init__(self, total, done, log):
        self.total, self.done, self.log = total, done, log
        self.done_before = done
        self.running = set()
        self.start = time.monotonic()

    def started(self, trial_id):
        self.running.add(trial_id)
        self.show()

    def ended(self, trial_id):
        self.running.discard(trial_id)
        self.done += 1
        self.show()

    def show(self):
        left = self.total - self.done - len(self.running)
        line = f"sweep: {self.done}/{self.total} done, {len(self.running)} running, {left} left"
        ended = self.done - self.done_before
        if ended and self.done < self.total:
            seconds = (time.monotonic() - self.start) / ended * (self.total - self.done)
            end = time.strftime("%H:%M", time.localtime(time.time() + seconds))
            wait = f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
            line += f"; ETA {end} (in {wait})"
        self.log(line)


def tune_callback(progress):
    """``progress`` told of trials starting and ending, as a Ray Tune callback."""
    from ray import tune

    class ProgressCallback(tune.Callback):
        def on_trial_start(self, iteration, trials, trial, **info):
            progress.started(trial.trial_id)

        def on_trial_complete(self, iteration, trials, trial, **info):
            progress.ended(trial.trial_id)

        def on_trial_error(self, iteration, trials, trial, **info):
            progress.ended(trial.trial_id)  # called once its retries are spent

    return ProgressCallback()


def say(line):
    """Print ``line`` at once: the default ``log`` of :func:`run_sweep`."""
    print(line, flush=True)


def read_json(path):
    """The JSON in ``path``, or None if there is no such file."""
    path = Path(path)
    return json.loads(path.read_text()) if path.exists() else None


# ---------------------------------------------------------------- results
def trial_row(trial):
    """A trial's row of ``results.csv``: its varied options, seed, best validation
    error, the test error there, epochs, minutes and host, and its status: finished,
    pretrained only, stopped early, failed (its error in ``failed.json``) or
    unfinished."""
    folder = Path(trial["folder"])
    metrics, stopped = read_json(folder / "metrics.json"), read_json(folder / STOPPED)
    log = folder / METRICS
    records = read_metrics(log) if log.exists() else []
    row = {**trial["values"], "seed": trial["seed"]}
    tuning = [r for r in records if "validation_error" in r]
    if metrics is not None and metrics["finetuning"] is None:  # --training-epochs 0
        status, numbers = "pretrained only", (None, None, 0)
    elif metrics is not None:
        result = metrics["finetuning"]
        status = "finished"
        numbers = (result["best_validation_error"], result["test_error"], result["epochs"])
    elif stopped is not None and tuning:
        status = "stopped early"
        last = tuning[-1]
        numbers = (last["best_validation_error"], last["test_error"], last["epoch"])
    elif (folder / FAILED).exists():
        status, numbers = "failed", (None, None, None)
    else:  # not run yet, or cut short by an interrupted sweep: --resume goes on
        status, numbers = "unfinished", (None, None, None)
    row.update(zip(("best_validation_error", "test_error", "epochs"), numbers))
    # Training time over every attempt, as dae measures it: the last epoch's seconds.
    row["minutes"] = round(records[-1]["seconds"] / 60, 2) if records else None
    row["host"] = (read_json(folder / TRIAL) or {}).get("host")
    row["status"] = status
    row["setting"] = trial["setting"]
    return row


def summarize(rows):
    """Per setting, ranked by mean validation error (never by test error): dicts
    with the setting, n, ``(n, mean, sd, half_width)`` of the validation and test
    errors over its finished trials, the mean minutes, and how many trials did not
    finish (stopped early or failed)."""
    settings = {}
    for row in rows:
        settings.setdefault(row["setting"], []).append(row)
    summary = []
    for setting, trials in settings.items():
        done = [row for row in trials if row["status"] == "finished"]
        entry = {"setting": setting, "n": len(done), "unfinished": len(trials) - len(done)}
        if done:
            entry["validation"] = mean_and_interval([r["best_validation_error"] for r in done])
            entry["test"] = mean_and_interval([r["test_error"] for r in done])
            entry["minutes"] = sum(r["minutes"] for r in done) / len(done)
        summary.append(entry)
    return sorted(summary, key=lambda e: e["validation"][1] if e["n"] else math.inf)


def write_reports(output, rows):
    """``results.csv``, ``summary.md`` and ``summary.png`` in ``output``."""
    output = Path(output)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(output / RESULTS, text.getvalue().encode())
    summary = summarize(rows)
    write_atomic(output / SUMMARY, summary_markdown(summary, len(rows)).encode())
    plot_summary(output / PLOT, summary)


def summary_markdown(summary, n_trials):
    """The summary as Markdown: a table of the settings, best validation error first."""
    lines = [
        f"# Sweep: {len(summary)} settings, {n_trials} trials",
        "",
        "Errors in %: mean ± sample standard deviation over the seeds, and the 95%",
        "confidence interval of the mean (Student t, n - 1 degrees of freedom). Ranked",
        "by validation error; the test error is reported, never used to choose.",
        "",
    ]
    header = ["rank", "setting", "n", "validation error", "95% CI", "test error", "95% CI"]
    header.append("minutes")
    rows = []
    for rank, entry in enumerate(summary, start=1):
        n = str(entry["n"]) + (
            f" ({entry['unfinished']} unfinished)" if entry["unfinished"] else ""
        )
        if entry["n"]:
            cells = [*percent(entry["validation"]), *percent(entry["test"])]
            cells.append(f"{entry['minutes']:.1f}")
        else:
            cells = ["-"] * 5
        rows.append([rank, entry["setting"], n, *cells])
    return "\n".join(lines) + "\n" + markdown_table(header, rows) + "\n"


def plot_summary(path, summary):
    """The settings' validation and test errors with their 95% intervals, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ranked = [entry for entry in summary if entry["n"]][::-1]  # the best at the top
    y = np.arange(len(ranked))
    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.4 * len(ranked)))
    for key, offset, label in (("validation", 0.12, "validation"), ("test", -0.12, "test")):
        means = [100 * e[key][1] for e in ranked]
        halves = [100 * (e[key][3] or 0) for e in ranked]
        ax.errorbar(means, y + offset, xerr=halves, fmt="o", capsize=3, label=f"{label} error")
    ax.set_yticks(y, [e["setting"] for e in ranked])
    ax.set_xlabel("error (%), mean and 95% interval over seeds")
    ax.legend(loc="lower right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
