"""The random draw of mines (双随机). For now: how many mines the notice requires at least."""

from __future__ import annotations

import math

# "对纳入国家级、省级、市县级名录的绿色矿山，核查比例不低于20%" (自然资办函〔2023〕1017号).
DEFAULT_RATIO = 0.20


def minimum_sample(listed: int, ratio: float = DEFAULT_RATIO) -> int:
    """At least ``ratio`` of the listed mines, rounded up: 41 mines at 20 % → 9."""
    # Round the product first so that 0.2 × 40 = 8.000000000000002 does not become 9.
    return math.ceil(round(listed * ratio, 9))
