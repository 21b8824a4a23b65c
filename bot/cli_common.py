"""What every `duwtje` command module shares: the consoles, the `--config` option and loading
the settings it names (never at import time)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

# soft_wrap: a one-line message stays one line, however narrow the terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="The configuration file [default: $DUWTJE_CONFIG, else ./duwtje.toml].",
        dir_okay=False,
    ),
]


def settings_for(config: Path | None) -> Any:
    from bot.settings import load_settings

    return load_settings(config, os.environ)
