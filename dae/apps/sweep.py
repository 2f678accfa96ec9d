"""Run many train_sda.py trainings on Ray: a grid of settings, or a random search,
each with several seeds.

    python scripts/sweep.py --output runs/sweep --seeds 5 --grid finetune-lr=0.5,1.0 \\
        --grid corruption="0.1 0.2 0.3","0.2 0.3 0.4" -- --pretraining-epochs 10

--grid OPTION=V1,V2,... varies one option of train_sda.py (each value is that
option's words); --seeds N runs seeds 1 to N (or from --first-seed on) for every
setting; what follows -- goes to every trial. Each trial trains in its own folder,
OUTPUT/trials/<setting>/seed-<k>, with its own checkpoint. The sweep writes
results.csv (a row per trial), summary.md and summary.png (per setting, ranked by
validation error). Without --address, Ray runs on this machine, one trial per core.
"""

import argparse
import json
import sys
from pathlib import Path

from dae import backend
from dae.apps import cli
from dae.apps.cli import positive_int
from dae.apps.sweep_engine import grid_settings, make_plan, parse_grid, random_settings, run_sweep

__all__ = ["main"]


def main(argv=None):
    """Run the sweep of the command line ``argv`` (None: ``sys.argv``) and print its
    summary; a bad plan or bad data ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors(ValueError):
        args, options = parse_args(sys.argv[1:] if argv is None else argv)
        settings = choose_settings(
            args.search, args.grid, args.space, args.samples, args.search_seed
        )
        run_sweep(
            args.output,
            make_plan(settings, args.seeds, options, args.first_seed),
            address=args.address,
            resume=args.resume,
            cpus_per_trial=args.cpus_per_trial,
            max_failures=args.max_failures,
            asha=args.search == "random",
        )
        print((args.output / "summary.md").read_text(), end="")
        print(f"wrote results.csv, summary.md and summary.png to {args.output}")


def parse_args(argv):
    """The sweep's options, and the train_sda.py options after ``--``."""
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output", type=Path, default=Path("runs/sweep"), help="(default: %(default)s)"
    )
    parser.add_argument(
        "--grid",
        type=parse_grid_option,
        action="append",
        default=[],
        metavar="OPTION=V1,V2,...",
        help="values of one train_sda.py option; repeat for a grid of several",
    )
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=1,
        help="N seeds per setting, from --first-seed on (default: %(default)s)",
    )
    parser.add_argument(
        "--first-seed",
        type=int,
        default=1,
        help="the first of the seeds: a search on seed 101 leaves seeds 1 to N new for "
        "the setting it chooses (default: %(default)s)",
    )
    parser.add_argument(
        "--search",
        choices=["grid", "random"],
        default="grid",
        help="random: --samples settings drawn from --space, trials stopped early on "
        "their validation error by ASHA (default: %(default)s)",
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=10,
        help="random search: settings drawn (default: %(default)s)",
    )
    parser.add_argument(
        "--space",
        type=Path,
        help='random search: JSON file mapping options to {"uniform": [lo, hi]}, '
        '{"loguniform": [lo, hi]}, {"randint": [lo, hi]} or {"choice": [v, ...]}',
    )
    parser.add_argument(
        "--search-seed",
        type=int,
        default=0,
        help="random search: the seed of the draws (default: %(default)s)",
    )
    parser.add_argument(
        "--address", help="join the Ray cluster at HEAD:PORT (default: start Ray here)"
    )
    parser.add_argument("--resume", action="store_true", help="go on with the sweep in --output")
    parser.add_argument(
        "--cpus-per-trial", type=positive_int, default=1, help="(default: %(default)s)"
    )
    parser.add_argument(
        "--max-failures",
        type=int,
        default=3,
        help="restarts of a trial whose worker died, from its checkpoint (default: %(default)s)",
    )
    args = parser.parse_args(argv[:split])
    if args.search == "random" and (args.space is None or args.grid):
        parser.error("--search random takes --space FILE, and no --grid")
    if args.search == "grid" and args.space is not None:
        parser.error("--space is for --search random")
    return args, argv[split + 1 :]


def parse_grid_option(text):
    """argparse type of --grid."""
    try:
        return parse_grid(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def choose_settings(search, grids, space, samples, search_seed):
    """The settings of the ``grids`` (``search`` ``"grid"``), or ``samples`` settings
    drawn from the JSON file ``space`` with ``search_seed`` (``"random"``)."""
    if search == "random":
        return random_settings(json.loads(Path(space).read_text()), samples, search_seed)
    return grid_settings(grids)
