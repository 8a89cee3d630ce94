"""AppTest fixtures: the real app (app.py and its router) on a temporary data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

import pytest
from sqlite_utils import Database
from streamlit.testing.v1 import AppTest

from core import accounts, config
from core import db as dbmod
from core import demo
from core.access import ORGANIZER, System, User
from ui import auth
from ui.text import JOINER

APP = str(Path(__file__).resolve().parents[2] / "app.py")
DEMO_MINES = 60


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GREENMINE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def database(data_dir: Path) -> Database:
    """The app's database file, filled with a small demo register."""
    opened = dbmod.connect(data_dir / "greenmine.db")
    demo.load_demo(opened, mines=DEMO_MINES)
    yield opened
    opened.close()


@pytest.fixture
def empty_database(data_dir: Path) -> Database:
    opened = dbmod.connect(data_dir / "greenmine.db")
    yield opened
    opened.close()


PASSWORD = "test-pass-2023"


def logged_in(user: User) -> str:
    """A session token of ``user`` (what the login form keeps in the session)."""
    database = dbmod.connect(config.db_path())
    try:
        return auth.session_for(database, user)
    finally:
        database.close()


def account(role: str = ORGANIZER, inspector_id: int | None = None, username: str | None = None) -> User:
    """An account of this role in the app's database (created the first time it is asked for)."""
    username = username or {"系统管理员": "admin", "组织者": "zuzhi", "核查员": f"hecha{inspector_id}",
                             "查看者": "chakan"}[role]
    database = dbmod.connect(config.db_path())
    try:
        row = database.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()
        user_id = row[0] if row else accounts.create_user(database, username, f"测试{role}", role, PASSWORD, System("测试"),
                                                           inspector_id=inspector_id, must_change=False)
        return accounts.get(database, user_id)
    finally:
        database.close()


@pytest.fixture
def open_page() -> Callable[[str], AppTest]:
    """Run the app logged in (as an organizer unless ``user`` is given), then switch to a page (path
    relative to the project, e.g. 'pages/register.py')."""

    def opener(page: str | None = None, user: User | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[auth.LOGIN] = logged_in(user or account())
        at.run()
        assert not at.exception, at.exception
        if page:
            at.switch_page(page).run()
            assert not at.exception, at.exception
        return at

    return opener


def shown(markdown: str) -> str:
    """What Markdown that holds escaped text (:func:`ui.text.plain`) shows: the escapes undone, the invisible
    joiners gone (enough for messages without formatting of their own)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(JOINER, "")


def button(at: AppTest, label: str):
    """The button with this label (fails clearly if there is none)."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def widget(widgets, label: str):
    found = [w for w in widgets if w.label == label]
    assert found, f"no widget {label!r}; have: {[w.label for w in widgets]}"
    return found[0]


def map_args(at: AppTest, index: int = 0) -> dict:
    """The arguments the page sent to its map component (st_folium is opaque to AppTest otherwise)."""
    components = at.get("component_instance")
    assert len(components) > index, "no map on the page"
    return json.loads(components[index].proto.json_args)


def map_rows(at: AppTest, index: int = 0) -> list[list]:
    """The mines drawn on the map, as sent to the browser: [lat, lon, colour, ring, name, licence,
    details line] (the details line, e.g. "入库级别：国家级<br>…", replaces its index in the list sent)."""
    script = map_args(at, index)["script"]
    data = re.search(r"var data = (\[.*?\]);\n", script, re.S)
    details = re.search(r"var details = (\[.*?\]);\n", script, re.S)
    assert data and details, "the map has no mine layer"
    lines = json.loads(details.group(1))
    return [row[:6] + [lines[row[6]]] for row in json.loads(data.group(1))]
