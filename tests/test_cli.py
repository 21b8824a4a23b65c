"""The CLI as an administrator uses it: real processes, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.db import make_engine


def duwtje(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DUWTJE_")}
    environ["COLUMNS"] = "60"  # narrow on purpose: one-line errors must stay one line
    environ.update(env or {})

    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = duwtje("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("init", "db", "content"):
        assert command in result.stdout


def test_init_writes_a_config_a_key_and_a_database(tmp_path: Path) -> None:
    result = duwtje("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "duwtje.toml").exists()
    key_file = tmp_path / "secrets" / "encryption_keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    engine = make_engine(f"sqlite:///{tmp_path / 'duwtje.db'}")
    assert "outbox_message" in inspect(engine).get_table_names()
    engine.dispose()
    again = duwtje("init", cwd=tmp_path)
    assert again.returncode == 0
    assert "Kept the existing" in again.stdout


def test_init_new_key_prints_a_usable_key(tmp_path: Path) -> None:
    result = duwtje("init", "--new-key", cwd=tmp_path)
    assert result.returncode == 0
    key = result.stdout.strip()
    check = duwtje(
        "db",
        "upgrade",
        "--config",
        str(tmp_path / "x.toml"),
        cwd=tmp_path,
        env={"DUWTJE_ENCRYPTION_KEYS": key},
    )
    assert "not a Fernet key" not in check.stderr


def test_db_upgrade_and_status(tmp_path: Path) -> None:
    config = tmp_path / "duwtje.toml"
    config.write_text('[database]\nurl = "sqlite:///d.db"\n', encoding="utf-8")
    upgraded = duwtje("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    status = duwtje("db", "status", cwd=tmp_path, env={"DUWTJE_CONFIG": str(config)})
    assert "up to date" in status.stdout


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('[telegram]\nmode = "pull"\n', "duwtje.toml:2: telegram.mode: expected 'polling' or"),
        ("[pacing\n", "duwtje.toml: not valid TOML"),
    ],
)
def test_a_broken_config_gives_one_line_and_exit_1(
    tmp_path: Path, config: str, expected: str
) -> None:
    (tmp_path / "duwtje.toml").write_text(config, encoding="utf-8")
    result = duwtje("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 1
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_missing_config_gives_one_line_and_exit_1(tmp_path: Path) -> None:
    result = duwtje("db", "upgrade", "--config", "nope.toml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "duwtje: nope.toml: file not found; create one with `duwtje init` or pass --config "
        "PATH (or set DUWTJE_CONFIG)"
    ]


def test_an_unreachable_database_gives_one_line(tmp_path: Path) -> None:
    config = tmp_path / "duwtje.toml"
    config.write_text(
        '[database]\nurl = "postgresql://nobody:secretpw@127.0.0.1:1/none"\n', encoding="utf-8"
    )
    result = duwtje("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("duwtje: database postgresql://nobody:***@127.0.0.1:1/none: ")
    assert "secretpw" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert duwtje("db", "frobnicate", cwd=tmp_path).returncode == 2
    assert duwtje("content", "list", "--lang", "de", cwd=tmp_path).returncode == 2


def test_content_check_passes_on_the_shipped_content(tmp_path: Path) -> None:
    result = duwtje("content", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Content is fine" in result.stdout


def test_content_check_reports_problems_with_file_and_key(tmp_path: Path) -> None:
    extra = tmp_path / "eigen"
    (extra / "lines").mkdir(parents=True)
    (extra / "lines" / "kapot.toml").write_text('key = "kapot"\n', encoding="utf-8")
    (tmp_path / "duwtje.toml").write_text('[content]\nextra_dirs = ["eigen"]\n', encoding="utf-8")
    result = duwtje("content", "check", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{extra / 'lines' / 'kapot.toml'}: title: missing" in result.stderr
    assert "content problem(s) found" in result.stderr.splitlines()[-1]


def test_content_list_json_has_the_frozen_shape(tmp_path: Path) -> None:
    result = duwtje("content", "list", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = json.loads(result.stdout)
    assert lines and all(set(line) == {"key", "title", "steps"} for line in lines)
    for line in lines:
        assert line["steps"]
        for step in line["steps"]:
            assert set(step) == {"key", "kind", "audience", "title"}
            assert step["kind"] in {"exercise", "question", "choice", "scale", "checkin", "info"}
            assert step["audience"] in {"client", "together"}
    by_key = {line["key"]: line for line in lines}
    assert {"faalangst", "mantelzorg", "intake", "activiteit"} <= set(by_key)
    faalangst = by_key["faalangst"]["steps"]
    assert len(faalangst) >= 8
    assert sum(step["audience"] == "together" for step in faalangst) >= 2
    assert len(by_key["mantelzorg"]["steps"]) >= 6
