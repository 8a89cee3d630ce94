"""Reference tables officials may edit: standards, mineral → standard, production-scale classes, the
confirmed grounds for removal from the lists.

They live as CSV files in ``data/`` (lines starting with ``#`` are comments on their source). Official
tables a province loads from its own copy (indicator items, the 14 removal situations, GB part numbers)
are kept in the database by ``core/reference_tables.py``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core import config
from core.labels import SCALE_CLASSES


def read_data_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file from ``data/``, skipping ``#`` comment lines."""
    with path.open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


@dataclass(frozen=True)
class Mineral:
    name: str
    standard: str
    scale_category: str


@dataclass(frozen=True)
class Standard:
    """A row of ``data/standards.csv``. ``code`` is '' for a standard whose number is not known yet
    (the GB 《绿色矿山建设规范》 parts, numbers entered by the province)."""

    code: str
    name: str
    industry: str
    series: str = ""
    in_force: str = ""  # YYYY-MM-DD
    source: str = ""

    @property
    def title(self) -> str:
        """'DZ/T 0316—2018 砂石行业绿色矿山建设规范', or '《绿色矿山建设规范》（砂石，标准号待填）'."""
        if self.code:
            return f"{self.code} {self.name}"
        return f"《{self.name}》（{self.industry}，标准号待填）"


@dataclass(frozen=True)
class RemovalReason:
    """A ground for removal from the green-mine lists (移出情形) and the document it is quoted from.

    ``replaced_by`` names a table that, once a province has loaded it, stands in for this row (the
    ground "one of the 14 situations of 附件2" gives way to the 14 situations themselves).
    """

    no: str
    reason: str
    source: str
    replaced_by: str = ""


@dataclass(frozen=True)
class ScaleRule:
    category: str
    method: str
    unit: str
    large_min: float
    medium_min: float


@lru_cache(maxsize=None)
def standard_rows(data_dir: Path = config.DATA_FILES) -> tuple[Standard, ...]:
    """Every row of ``data/standards.csv``, those without a number included, in file order."""
    return tuple(Standard(r["code"], r["name"], r.get("industry", ""), r.get("series", ""), r.get("in_force", ""),
                          r.get("source", "")) for r in read_data_csv(data_dir / "standards.csv"))


@lru_cache(maxsize=None)
def standards(data_dir: Path = config.DATA_FILES) -> dict[str, str]:
    """Standard code → its full name, for the standards whose number is known."""
    return {s.code: s.name for s in standard_rows(data_dir) if s.code}


REMOVAL_REASONS_FILE = "removal_reasons.csv"


@lru_cache(maxsize=None)
def removal_grounds(data_dir: Path = config.DATA_FILES) -> tuple[RemovalReason, ...]:
    """The confirmed grounds for removal in ``data/removal_reasons.csv`` (columns no, reason, source,
    replaced_by), in file order."""
    return tuple(RemovalReason(r["no"], r["reason"], r.get("source", ""), r.get("replaced_by", ""))
                 for r in read_data_csv(data_dir / REMOVAL_REASONS_FILE) if r.get("reason"))


@lru_cache(maxsize=None)
def minerals(data_dir: Path = config.DATA_FILES) -> dict[str, Mineral]:
    """Every known spelling of a mineral (canonical name and aliases) → the mineral."""
    known: dict[str, Mineral] = {}
    for row in read_data_csv(data_dir / "mineral_standards.csv"):
        mineral = Mineral(row["mineral"], row["standard"], row["scale_category"])
        known[mineral.name] = mineral
        for alias in filter(None, row["aliases"].split("|")):
            known.setdefault(alias, mineral)
    return known


def mineral_names(data_dir: Path = config.DATA_FILES) -> list[str]:
    return sorted({m.name for m in minerals(data_dir).values()})


@lru_cache(maxsize=None)
def scale_rules(data_dir: Path = config.DATA_FILES) -> list[ScaleRule]:
    return [
        ScaleRule(r["scale_category"], r["method"], r["unit"], float(r["large_min"]), float(r["medium_min"]))
        for r in read_data_csv(data_dir / "scale_classes.csv")
    ]


def find_mineral(name: str) -> Mineral | None:
    """The mineral a name stands for, from its canonical name or an alias; None if unknown."""
    known = minerals()
    if name in known:
        return known[name]
    if name.endswith("矿") and name[:-1] in known:
        return known[name[:-1]]
    return None


def standard_for(mineral_name: str) -> str:
    """The industry standard that applies to a mineral ('' if the mineral is unknown)."""
    mineral = find_mineral(mineral_name)
    return mineral.standard if mineral else ""


def scale_class_for(mineral_name: str, method: str, value: float | None, unit: str) -> str:
    """The class 大型/中型/小型 of a yearly production figure, or '' if no rule applies."""
    mineral = find_mineral(mineral_name)
    if mineral is None or value is None:
        return ""
    rules = [r for r in scale_rules() if r.category == mineral.scale_category and r.unit == unit]
    # A rule for the mine's method first, then one for any method, then any rule of the category.
    rule = next((r for r in rules if r.method == method), None) or next((r for r in rules if not r.method), None)
    rule = rule or (rules[0] if rules else None)
    if rule is None:
        return ""
    if value >= rule.large_min:
        return SCALE_CLASSES[0]
    return SCALE_CLASSES[1] if value >= rule.medium_min else SCALE_CLASSES[2]
