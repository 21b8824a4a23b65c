"""Creating and upgrading what Duwtje needs on disk: the configuration file and the database."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import SystemClock
from bot.errors import UserError
from bot.settings import Settings, load_settings
from storage.crypto import new_key
from storage.db import make_engine, session_scope
from storage.migrate import current_revision, upgrade
from storage.organisations import ensure_organisation

EXAMPLE_CONFIG = Path(__file__).parent / "config.example.toml"


def init_project(path: Path, *, force: bool, environ: Mapping[str, str]) -> list[str]:
    """`duwtje init`: the starter configuration, a key file, the database, the organisation."""
    report = []
    if path.exists() and not force:
        report.append(f"Kept the existing {path} (use --force to overwrite it).")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
        report.append(f"Wrote {path}: adjust [organisation] and [database] to your situation.")
    settings = load_settings(path, environ)
    key_file = path.parent.resolve() / "secrets" / "encryption_keys"
    if not key_file.exists():
        key_file.parent.mkdir(mode=0o700, exist_ok=True)
        # Created with owner-only permissions from the start, never world-readable.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(new_key() + "\n")
        report.append(
            f"Wrote a new encryption key to {key_file}. Back it up: without it the stored "
            f"answers cannot be read. Then: export DUWTJE_ENCRYPTION_KEYS_FILE={key_file}"
        )
    revision = prepare_database(settings)
    report.append(
        f"Database ready at revision {revision}; organisation {settings.organisation.key!r}."
    )
    report.append("Next: export DUWTJE_TELEGRAM_TOKEN=<token from @BotFather>, then `duwtje run`.")
    return report


def prepare_database(settings: Settings) -> str | None:
    """Apply migrations and bring the first organisation in line with the configuration."""
    engine = make_engine(settings.database.url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            ensure_organisation(
                session=session,
                key=settings.organisation.key,
                name=settings.organisation.name,
                privacy_contact=settings.organisation.privacy_contact,
                time_zone=settings.defaults.time_zone,
                language=settings.defaults.language,
                now=SystemClock().now(),
                school_region=settings.organisation.school_region,
                answer_days=settings.organisation.answer_days,
                contact=settings.organisation.contact,
                on_call=settings.organisation.on_call,
                retention_days=settings.organisation.retention_days,
                require_pin=settings.organisation.require_pin,
            )
        return current_revision(engine)
    except SQLAlchemyError as exc:
        raise UserError(describe_database_error(settings.database.url, exc)) from None
    finally:
        engine.dispose()


def describe_database_error(url: str, exc: SQLAlchemyError) -> str:
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return f"database {shown}: {reason}"
