"""What a training run shows while it runs: a progress bar and one line per epoch."""

from tqdm import tqdm

__all__ = ["epoch_line", "finetuning_line", "progress_bar"]


def progress_bar(total, initial, description, show=None):
    """A bar over minibatches ``initial`` to ``total``; ``show`` None shows it when
    stderr is a terminal."""
    return tqdm(
        total=total,
        initial=initial,
        desc=description,
        unit="batch",
        leave=False,
        disable=None if show is None else not show,
        dynamic_ncols=True,
    )


def epoch_line(record, names):
    """``"<phase>, epoch <k>, cost 12.3456 (8 s)"``: an epoch's mean of each of ``names``."""
    values = ", ".join(f"{name} {record[name]:.4f}" for name in names)
    return f"{record['phase']}, epoch {record['epoch']}, {values} ({record['seconds']:.0f} s)"


def finetuning_line(record):
    """An early-stopping epoch: its cost, the validation error, the best so far and
    the test error of the parameters that gave it, where it was measured."""
    test = record["test_error"]
    best = f"best {100 * record['best_validation_error']:.2f}%"
    if test == test:  # not NaN: the test error of the best was measured
        best += f", test {100 * test:.2f}%"
    return (
        f"{record['phase']} epoch {record['epoch']}, cost {record['cost']:.4f}, validation "
        f"error {100 * record['validation_error']:.2f}% ({best}) ({record['seconds']:.0f} s)"
    )
