"""Documentation and layout tests: what the README promises and what the project's files must hold."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from core import config, demo

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands_and_ci_runs_the_second() -> None:
    assert "bash scripts/run.sh" in README and "bash scripts/test.sh" in README
    assert (ROOT / "scripts/run.sh").exists() and (ROOT / "scripts/test.sh").exists()
    assert "bash scripts/test.sh" in (ROOT / ".ci/run").read_text()
    assert "apt-get update" in (ROOT / ".ci/run").read_text()


def test_readme_documents_every_setting() -> None:
    for needle in (config.ENV_DATA_DIR, config.SETTINGS_FILE.name, "STREAMLIT_SERVER_PORT",
                   "STREAMLIT_SERVER_ADDRESS", "core.demo --reset", "/_stcore/stream", ".streamlit/secrets.toml",
                   demo.DEMO_PASSWORD, *(f"`{name}`" for name in ("admin", "zuzhi", "hecha1", "chakan"))):
        assert needle in README, needle


def test_readme_names_every_reference_data_file() -> None:
    for path in [*(ROOT / "data").glob("*.csv"), *(ROOT / "data/indicator_sets").glob("*.csv")]:
        assert path.name in README, path.name
    assert "data/indicator_sets/" in README


def test_streamlit_config_keeps_the_app_offline() -> None:
    settings = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())
    assert settings["browser"]["gatherUsageStats"] is False
    assert settings["client"]["toolbarMode"] == "minimal"  # no menu of English items for users
    assert settings["server"]["enableStaticServing"] is True
    assert settings["server"]["headless"] is True


def test_core_never_imports_streamlit() -> None:
    for path in (ROOT / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), path.name


def test_pages_write_no_sql() -> None:
    for path in list((ROOT / "pages").glob("*.py")) + list((ROOT / "ui").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for keyword in ("INSERT INTO", "UPDATE mines", "DELETE FROM", "SELECT "):
            assert keyword not in text, f"{path.name} contains SQL ({keyword})"


def test_requirements_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"
