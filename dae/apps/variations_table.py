"""Table 3 of Vincent et al. (JMLR 2010), the SdA-3 column, on the regenerated sets.

    python scripts/make_variations.py --mnist data/mnist --output data/variations
    python scripts/variations_table.py --data data/variations --output runs/variations

For each set, as the paper did, the masking fraction nu (the same for every layer)
is chosen from --nu on validation error with one seed (--selection-seed); then the
chosen nu trains with --seeds new seeds, from 1 on, each scored on the test set
once, at its best validation error (train_sda.py --test-at end). Both steps are sweeps
(:mod:`dae.apps.sweep_engine`, on Ray, one trial a core) of ``train_sda.py`` with
its defaults (3 x 1000 units) and what follows ``--``. The same command with
--resume goes on after an interruption. Writes OUTPUT/selection and OUTPUT/seeds (each a sweep
folder), and OUTPUT/table.md: per set, the paper's SVM-rbf, DBN-3 and SdA-3 (95%
intervals) beside dae's SdA-3, mean ± sd with its 95% t-interval over the seeds.
"""

import argparse
import sys
from pathlib import Path

from dae import backend
from dae.apps import cli
from dae.apps.cli import positive_int
from dae.apps.sweep_engine import make_plan, run_sweep
from dae.files import markdown_table, write_atomic
from dae.statistics import mean_and_interval, percent

__all__ = ["PAPER", "main", "variations_table"]

#: JMLR 2010, Table 3: test error (%) and its 95% interval for SVM-rbf, DBN-3 and
#: SdA-3, and the SdA's nu.
PAPER = {
    "basic": ((3.03, 0.15), (3.11, 0.15), (2.84, 0.15), 0.10),
    "rot": ((11.11, 0.28), (10.30, 0.27), (9.53, 0.26), 0.25),
    "bg-rand": ((14.58, 0.31), (6.73, 0.22), (10.30, 0.27), 0.40),
    "bg-img": ((22.61, 0.37), (16.31, 0.32), (16.68, 0.33), 0.25),
    "rot-bg-img": ((55.18, 0.44), (47.39, 0.44), (43.76, 0.43), 0.25),
    "rect": ((2.15, 0.13), (2.60, 0.14), (1.99, 0.12), 0.10),
    "rect-img": ((24.04, 0.37), (22.50, 0.37), (21.59, 0.36), 0.25),
    "convex": ((19.13, 0.34), (18.63, 0.34), (19.06, 0.34), 0.10),
}


def main(argv=None):
    """Make the table of the command line ``argv`` (None: ``sys.argv``); a bad plan
    or bad data ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors(ValueError):
        args, options = parse_args(sys.argv[1:] if argv is None else argv)
        variations_table(
            data=args.data,
            sets=args.sets,
            output=args.output,
            nu=args.nu,
            layers=args.layers,
            selection_seed=args.selection_seed,
            seeds=args.seeds,
            resume=args.resume,
            address=args.address,
            max_failures=args.max_failures,
            options=options,
        )


def variations_table(
    *, data, sets, output, nu, layers, selection_seed, seeds, resume, address, max_failures, options
):
    """Choose nu for each of the ``sets`` in the folder ``data``, then train it with
    ``seeds`` new seeds, and write ``table.md`` to ``output`` and print it.

    ``options`` are the train_sda.py options of every trial, as words; the other
    keyword arguments are the options of the same names (``--help``).
    """
    output = Path(output)
    folders = {name: (Path(data) / name).resolve() for name in sets}
    missing = [str(f) for f in folders.values() if not f.is_dir()]
    if missing:
        sys.exit(f"error: no such set folder: {', '.join(missing)} (see make_variations.py)")
    sweep = {"resume": resume, "address": address, "max_failures": max_failures}
    selection = [
        {"data": str(folders[name]), "corruption": " ".join([str(level)] * layers)}
        for name in sets
        for level in nu
    ]
    rows = run_sweep(
        output / "selection",
        make_plan(selection, 1, options, selection_seed),
        **sweep,
    )
    chosen = choose_nu(rows, folders)
    if len(chosen) < len(sets):
        sys.exit("error: the selection is unfinished: run again with --resume")
    settings = [{"data": str(folders[name]), "corruption": chosen[name]} for name in sets]
    # The table's test errors are those of the best validation error, measured once
    # at the end of each run: the same numbers as the tutorial's test of each new
    # best, in one pass over the 50,000 test images instead of dozens.
    plan = make_plan(settings, seeds, ["--test-at", "end", *options])
    rows = run_sweep(output / "seeds", plan, **sweep)
    table = results_table(rows, folders, chosen)
    write_atomic(output / "table.md", (table + "\n").encode())
    print(table)


def parse_args(argv):
    """The table's options, and the train_sda.py options after ``--``."""
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_set_arguments(parser)
    parser.add_argument(
        "--output", type=Path, default=Path("runs/variations"), help="(default: %(default)s)"
    )
    parser.add_argument(
        "--nu",
        type=float,
        nargs="+",
        default=[0.10, 0.25, 0.40],
        help="masking fractions to choose from (default: %(default)s)",
    )
    parser.add_argument(
        "--layers", type=positive_int, default=3, help="hidden layers (default: %(default)s)"
    )
    parser.add_argument(
        "--selection-seed",
        type=int,
        default=101,
        help="the one seed nu is chosen with; the table's seeds are new (default: %(default)s)",
    )
    parser.add_argument(
        "--seeds", type=positive_int, default=5, help="seeds of the table (default: %(default)s)"
    )
    parser.add_argument("--resume", action="store_true", help="go on with the runs in --output")
    parser.add_argument(
        "--address", help="join the Ray cluster at HEAD:PORT (default: start Ray here)"
    )
    parser.add_argument(
        "--max-failures",
        type=int,
        default=3,
        help="restarts of a trial whose worker died (default: %(default)s)",
    )
    return parser.parse_args(argv[:split]), argv[split + 1 :]


def choose_nu(rows, folders):
    """Per set, the corruption of its finished selection trial with the lowest
    validation error (never the test error)."""
    best = {}
    for name, folder in folders.items():
        done = [r for r in rows if r["data"] == str(folder) and r["status"] == "finished"]
        if done:
            best[name] = min(done, key=lambda r: r["best_validation_error"])["corruption"]
    return best


def results_table(rows, folders, chosen):
    """The Markdown table of the paper's results beside dae's, a row per set."""
    header = [
        "set",
        "SVM-rbf",
        "DBN-3",
        "SdA-3 (paper)",
        "paper's ν",
        "dae SdA-3",
        "95% t-interval",
        "n",
        "dae's ν",
    ]
    lines = []
    for name, folder in folders.items():
        svm, dbn, sda, nu = PAPER[name]
        errors = [
            r["test_error"] for r in rows if r["data"] == str(folder) and r["status"] == "finished"
        ]
        ours = percent(mean_and_interval(errors)) if errors else ("-", "-")
        lines.append(
            [
                name,
                *(f"{m:.2f} ± {h:.2f}" for m, h in (svm, dbn, sda)),
                f"{nu:.2f}",
                *ours,
                len(errors),
                f"{float(chosen[name].split()[0]):.2f}",
            ]
        )
    return markdown_table(header, lines)
