"""Data sets for the tutorials: MNIST-format IDX files (MNIST, Fashion-MNIST, ...) and an
embedded 5,000-digit MNIST sample."""

from dae.data.mnist import (
    MIRRORS,
    DataError,
    DownloadError,
    check_data,
    download_mnist,
    identify,
    load_data,
    load_dataset,
    load_mnist,
    load_sample,
    load_sample_arrays,
    read_idx,
    shared_dataset,
)

__all__ = [
    "MIRRORS",
    "DataError",
    "DownloadError",
    "check_data",
    "download_mnist",
    "identify",
    "load_data",
    "load_dataset",
    "load_mnist",
    "load_sample",
    "load_sample_arrays",
    "read_idx",
    "shared_dataset",
]
