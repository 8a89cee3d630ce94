"""Where the app keeps its runtime state.

Everything the app writes (the database, later photos and generated files) lives in one data directory:

1. the environment variable ``GREENMINE_DATA_DIR``, if set;
2. else ``data_dir`` in ``greenmine.toml`` at the project root (a file an installer writes once);
3. else ``var/`` at the project root.

Back it up with ``python -m core.backup create`` (a consistent copy while the app runs; see core.backup).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_FILES = PROJECT_ROOT / "data"
ENV_DATA_DIR = "GREENMINE_DATA_DIR"
SETTINGS_FILE = PROJECT_ROOT / "greenmine.toml"
DB_FILENAME = "greenmine.db"


def data_dir() -> Path:
    """The data directory in use (created if missing)."""
    chosen = os.environ.get(ENV_DATA_DIR, "").strip()
    if not chosen and SETTINGS_FILE.exists():
        with SETTINGS_FILE.open("rb") as f:
            chosen = str(tomllib.load(f).get("data_dir", "")).strip()
    path = Path(chosen) if chosen else PROJECT_ROOT / "var"
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


PRIVATE_UMASK = 0o077


def keep_files_private() -> None:
    """Files and folders this process creates are readable by the service user alone (the database, the
    evidence, backups and exports hold personal data and unpublished findings), and the data directory
    is closed to others even when an earlier version created it open."""
    os.umask(PRIVATE_UMASK)
    data_dir().chmod(0o700)


def data_dir_source() -> str:
    """Which rule chose the data directory, in Chinese, for the settings page."""
    if os.environ.get(ENV_DATA_DIR, "").strip():
        return f"环境变量 {ENV_DATA_DIR}"
    if SETTINGS_FILE.exists():
        return f"配置文件 {SETTINGS_FILE.name}"
    return "默认位置（项目目录下的 var/）"


def db_path() -> Path:
    return data_dir() / DB_FILENAME
