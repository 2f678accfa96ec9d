r"""Statistics of repeated runs: the mean, the spread and a 95% confidence interval.

A result from several seeds is reported as ``mean ± sd`` (the sample standard
deviation) and the 95% confidence interval of the mean from Student's t with
``n - 1`` degrees of freedom,

.. math:: \bar x \pm t_{0.975,\,n-1} \, s / \sqrt{n},

which is wide for few seeds: with 5, ``t`` is 2.776.

Examples
--------
>>> n, mean, sd, half = mean_and_interval([0.10, 0.12, 0.11])
>>> n, round(mean, 4), round(sd, 4), round(half, 4)  # 95% interval: mean ± half
(3, 0.11, 0.01, 0.0248)
>>> percent(mean_and_interval([0.0120, 0.0133, 0.0125]))
('1.26 ± 0.07', '1.10 – 1.42')
"""

import math

__all__ = ["mean_and_interval", "percent", "t_975"]

# Student's t, its 0.975 quantile, for 1 to 30 degrees of freedom.
T_975 = tuple(
    float(t)
    for t in """
    12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228
    2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086
    2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042
    """.split()
)


def t_975(df):
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom: the factor
    of a two-sided 95% interval. A table to 30; above, the Cornish-Fisher series
    around the normal quantile (within 1e-4).

    >>> t_975(1), t_975(4), t_975(9), round(t_975(60), 3)
    (12.706, 2.776, 2.262, 2.0)
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be 1 or more, got {df}")
    if df <= len(T_975):
        return T_975[df - 1]
    z = 1.959964
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def mean_and_interval(values):
    """``(n, mean, sd, half_width)``: the sample standard deviation and the half
    width of the 95% Student-t interval of the mean, ``t * sd / sqrt(n)``; with one
    value, sd and half width are None: one run gives no interval."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return n, mean, None, None
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return n, mean, sd, t_975(n - 1) * sd / math.sqrt(n)


def percent(stats):
    """``mean ± sd`` and the 95% interval of ``(n, mean, sd, half_width)``, in %."""
    n, mean, sd, half = stats
    if sd is None:
        return f"{100 * mean:.2f}", "n = 1: no interval"
    return (
        f"{100 * mean:.2f} ± {100 * sd:.2f}",
        f"{100 * (mean - half):.2f} – {100 * (mean + half):.2f}",
    )
