"""Fuzzing with Hypothesis: settings, a time limit per example, and damaged files."""

import contextlib
import signal

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from dae.data import DataError

# Reproducible runs: the same examples every time, and no example database to write.
FUZZ = settings(
    max_examples=500,
    derandomize=True,
    database=None,
    deadline=None,  # timing is left to the alarm below: this machine may be busy
)
TIME_LIMIT = 5  # seconds one example may take


@contextlib.contextmanager
def time_limit(seconds=TIME_LIMIT):
    """Fail the test if the block runs longer than `seconds` (a hang)."""

    def hang(signum, frame):
        # pytest.fail raises a BaseException: no `except Exception` can swallow it.
        pytest.fail(f"an example ran longer than {seconds} s", pytrace=False)

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def loaded_or_refused(load, path):
    """``load(path)`` within the time limit; None when it raises a DataError naming path."""
    with time_limit():
        try:
            return load(path)
        except DataError as e:
            assert str(path) in str(e)
            return None


# Header values near the edges: sizes of 0, 1 and 28, and sizes that overflow.
UINT32 = st.one_of(
    st.sampled_from([0, 1, 2, 3, 5, 8, 12, 27, 28, 29, 255, 0x801, 0x803, 2**31, 2**32 - 1]),
    st.integers(0, 2**32 - 1),
)


@st.composite
def damaged(draw, content, hot=(), fields=()):
    """`content` after one to three random edits, often at the positions in `hot`.

    `fields` are offsets of 4-byte big-endian header fields an edit may rewrite.
    """
    data = bytearray(content)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "field"]))
        anywhere = st.integers(0, len(data))
        at = draw(st.one_of(st.sampled_from(hot), anywhere) if hot else anywhere)
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "field" and fields:
            offset = draw(st.sampled_from(fields))
            data[offset : offset + 4] = draw(UINT32).to_bytes(4, "big")
    return bytes(data)
