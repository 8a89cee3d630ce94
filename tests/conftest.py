"""Shared fixtures of the unit tests (tests/pages and tests/e2e have their own conftest files).

- every test runs with ``GREENMINE_DATA_DIR`` pointing at a fresh temporary directory, so nothing
  ever touches the project's ``var/``;
- ``db``: a migrated in-memory database (province setting: the default, 湖北省 420000);
- ``demo_db``: the same, loaded with 60 demo mines;
- draws are reproducible: the freeze's secret nonce comes from a counter (see ``_reproducible_draws``);
- ``make_xlsx`` / ``make_csv``: build real spreadsheet bytes from a list of rows;
- ``valid_mine`` / ``header_labels``: one valid Hubei mine, as raw values keyed by field key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from typing import Any, Callable, Sequence

import pytest
import xlsxwriter
from argon2 import PasswordHasher

from core import accounts, campaigns
from core import db as dbmod
from core import demo
from core.labels import FIELDS

Rows = Sequence[Sequence[Any]]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the app's data directory at a temporary directory for every test."""
    path = tmp_path_factory.mktemp("greenmine-data")
    monkeypatch.setenv("GREENMINE_DATA_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def _reproducible_draws(monkeypatch: pytest.MonkeyPatch):
    """The secret nonce of each freeze, from a counter instead of the OS: a draw (and the teams drawn
    from its seed) comes out the same on every run, so a test never depends on a lucky draw."""
    counter = itertools.count()
    monkeypatch.setattr(campaigns.secrets, "token_hex",
                        lambda nbytes=32: hashlib.sha256(f"test nonce {next(counter)}".encode()).hexdigest()[:2 * nbytes])


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch):
    """Argon2id still, with the cheapest parameters: the tests log in hundreds of times."""
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db():
    database = dbmod.connect(":memory:")
    yield database
    database.close()


@pytest.fixture
def demo_db(db):
    demo.load_demo(db, mines=60)
    return db


def build_xlsx(rows: Rows, *, title: str | None = None, merge_title: bool = True,
               sheet_name: str = "Sheet1", before: Sequence[tuple[str, Rows]] = ()) -> bytes:
    """An xlsx workbook whose sheet ``sheet_name`` holds ``rows`` from A1 (or from A2 under a title).

    ``title`` writes a title in row 1, merged across the table's width when ``merge_title``.
    ``before`` adds sheets (name, rows) ahead of the main one. ``None`` cells are left blank.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    for name, extra in before:
        _write_rows(workbook.add_worksheet(name), extra, 0)
    sheet = workbook.add_worksheet(sheet_name)
    first = 0
    if title is not None:
        width = max((len(r) for r in rows), default=1)
        if merge_title and width > 1:
            sheet.merge_range(0, 0, 0, width - 1, title)
        else:
            sheet.write_string(0, 0, title)
        first = 1
    _write_rows(sheet, rows, first)
    workbook.close()
    return buffer.getvalue()


def _write_rows(sheet: Any, rows: Rows, first: int) -> None:
    for r, row in enumerate(rows, start=first):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)


def build_csv(rows: Rows, *, encoding: str = "utf-8", bom: bool = False, delimiter: str = ",",
              lineterminator: str = "\r\n") -> bytes:
    """CSV bytes as spreadsheet programs write them (CRLF; ``encoding='gb18030'`` for Excel's 'CSV (逗号分隔)')."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=lineterminator)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def make_xlsx() -> Callable[..., bytes]:
    return build_xlsx


@pytest.fixture
def make_csv() -> Callable[..., bytes]:
    return build_csv


@pytest.fixture
def header_labels() -> list[str]:
    """The import template's headings, in template order."""
    return [f.label for f in FIELDS]


@pytest.fixture
def valid_mine() -> Callable[..., dict[str, Any]]:
    """``valid_mine(**changes)`` → raw values (keyed by field key) of a valid mine in 黄石市大冶市, 湖北省."""

    def make(**changes: Any) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "licence_no": "C4202812010011234567890",
            "name": "大冶市甲子示例矿业有限公司青石岭建筑石料用灰岩矿",
            "owner": "大冶市甲子示例矿业有限公司",
            "level": "省级",
            "listing_year": 2020,
            "listing_batch": "2020年度省级绿色矿山名录",
            "province": "湖北省",
            "city": "黄石市",
            "county": "大冶市",
            "county_code": "",
            "mineral": "建筑石料用灰岩",
            "method": "露天开采",
            "scale": 30,
            "scale_unit": "万立方米/年",
            "scale_class": "",
            "lon": 114.98,
            "lat": 30.1,
            "flag_problem": "否",
            "problem_desc": "",
            "problem_source": "",
            "flag_rectify": "否",
            "rectify_demand": "",
            "tags": "",
        }
        raw.update(changes)
        return raw

    return make
