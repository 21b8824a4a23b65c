"""`duwtje traject ...`: look at a traject and tailor it for one client, from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.setup import prepare_database
from storage.db import make_engine, session_scope
from tests.conftest import TEST_KEY
from tests.factories import make_client, make_traject
from tests.test_cli import duwtje

ENV = {"DUWTJE_ENCRYPTION_KEYS": TEST_KEY, "COLUMNS": "200"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "duwtje.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///d.db"\n[organisation]\nkey = "wijkteam-noord"\n',
        encoding="utf-8",
    )
    settings = load_settings(path, ENV)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    with session_scope(engine) as session:
        client = make_client(session)
        make_traject(session, client_id=client.id, step_key="wat-is-het", step_sent_at=None)
    engine.dispose()
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    done = duwtje("traject", *args, "--config", str(config), cwd=config.parent, env=ENV)
    return done.returncode, done.stdout, done.stderr


def test_list_and_show(config: Path) -> None:
    code, out, _ = run(config, "list")
    assert code == 0 and "faalangst" in out and "0/11" in out
    code, out, _ = run(config, "show", "1")
    assert code == 0 and "wat-is-het" in out and "waiting" in out and "to come" in out


def test_tailoring_from_the_command_line(config: Path) -> None:
    assert run(config, "skip-step", "1", "gedachten")[0] == 0
    code, _, err = run(
        config,
        "add-step",
        "1",
        "--after",
        "wat-is-het",
        "--key",
        "eigen",
        "--kind",
        "info",
        "--title-nl",
        "Jouw stap",
        "--title-en",
        "Your step",
        "--text-nl",
        "Speciaal voor jou.",
        "--text-en",
        "Just for you.",
    )
    assert code == 0, err
    assert run(config, "add-step", "1", "--from", "mantelzorg.grenzen", "--after", "eigen")[0] == 0
    assert run(config, "move-step", "1", "spiegel")[0] == 0  # to the front
    code, _, err = run(
        config,
        "change-step",
        "1",
        "helpend",
        "--title-nl",
        "Andere gedachte",
        "--title-en",
        "Another thought",
    )
    assert code == 0, err
    _, out, _ = run(config, "show", "1")
    order = [line.split()[1] for line in out.splitlines() if line.startswith("│ ")]
    assert order[:4] == ["spiegel", "wat-is-het", "eigen", "grenzen"]
    assert "gedachten" not in order and "Andere gedachte" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("skip-step", "1", "bestaat-niet"), "has no step 'bestaat-niet'"),
        (("show", "99"), "no traject 99"),
        (("add-step", "1", "--from", "faalangst.spiegel"), "has a step 'spiegel' already"),
        (("add-step", "1", "--from", "geen.lijn"), "no such line.step"),
    ],
)
def test_mistakes_get_one_line_and_exit_1(
    config: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(config, *args)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1
