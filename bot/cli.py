"""`duwtje`: the administrator's interface. Every command has --help.

Exit codes: 0 success, 1 a problem explained in one line (no traceback), 2 wrong usage.
Heavy imports (python-telegram-bot, SQLAlchemy) happen inside the commands, so `--help` is fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli_admin import (
    audit,
    client_app,
    erase,
    export,
    org_app,
    professional_app,
    retention,
)
from bot.cli_common import ConfigOption, err, out, settings_for
from bot.cli_proof import bench, chaos
from bot.cli_report import report
from bot.errors import UserError
from content.problems import ContentError

app = typer.Typer(
    name="duwtje",
    help="Duwtje: a Telegram chat bot for blended social work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database: create and upgrade the schema.", no_args_is_help=True)
content_app = typer.Typer(help="Learning lines and message texts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
invite_app = typer.Typer(help="One-time invite links.", no_args_is_help=True)
traject_app = typer.Typer(
    help="A client's traject: see it, and tailor its line for this client only.",
    no_args_is_help=True,
)
app.add_typer(traject_app, name="traject")
outbox_app = typer.Typer(
    help="Messages on their way: counts, problems, retry, cancel.", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")
app.add_typer(content_app, name="content")
app.add_typer(invite_app, name="invite")
app.add_typer(org_app, name="org")
app.add_typer(professional_app, name="professional")
app.add_typer(client_app, name="client")
app.command()(audit)
app.command()(export)
app.command()(erase)
app.command()(retention)
app.command()(report)
app.command()(bench)
app.command()(chaos)


keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(config: ConfigOption = None) -> None:
    """Re-encrypt everything stored with the newest key (the first in DUWTJE_ENCRYPTION_KEYS);
    afterwards the older keys can be removed. Safe to run again; run it with the bot stopped
    or running."""
    from bot.setup import prepare_database
    from storage.crypto import FieldCipher
    from storage.db import make_engine
    from storage.rotation import rotate_all

    settings = settings_for(config)
    prepare_database(settings)
    engine = make_engine(settings.database.url)
    try:
        counts = rotate_all(engine, FieldCipher(settings.require_encryption_keys()))
    finally:
        engine.dispose()
    total = sum(counts.values())
    out.print(f"{total} value(s) re-encrypted with the newest key.", markup=False)
    for table, count in sorted(counts.items()):
        out.print(f"  {table}: {count}", markup=False, highlight=False)


@app.command()
def init(
    config: ConfigOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing configuration file.")] = False,
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Only print a new encryption key and stop.")
    ] = False,
) -> None:
    """Write a starter duwtje.toml, create the database and the first organisation."""
    from bot.settings import default_config_path
    from bot.setup import init_project
    from storage.crypto import new_key as make_key

    if new_key:
        typer.echo(make_key())
        return
    path = config or default_config_path(os.environ)
    report = init_project(path, force=force, environ=os.environ)
    for line in report:
        out.print(line, markup=False, highlight=False)


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the bot (polling or webhook, as configured) until Ctrl-C or SIGTERM."""
    import asyncio

    from bot.clock import SystemClock
    from bot.logs import configure_logging
    from bot.run import freeze_long_lived, run_bot

    settings = settings_for(config)
    token = settings.require_token()
    settings.require_encryption_keys()
    configure_logging(secrets=[token])

    async def started(_application: Any) -> None:
        freeze_long_lived()

    asyncio.run(
        _until_signalled(lambda stop: run_bot(settings, SystemClock(), stop, on_ready=started))
    )


async def _until_signalled(main: Any) -> None:
    """Run `main(stop)`; SIGINT and SIGTERM set `stop` so everything shuts down in order."""
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await main(stop)


@app.command()
def demo(
    transcript: Annotated[
        Path | None,
        typer.Option(help="Also write the transcript as JSON lines to this file.", dir_okay=False),
    ] = None,
) -> None:
    """Play the whole story against a local sandbox: no token, no network, about 15 seconds."""
    import asyncio

    from bot.demo.run_demo import run_demo

    asyncio.run(run_demo(out, transcript))


@app.command()
def chat(
    as_role: Annotated[
        str, typer.Option("--as", help="Who you are: client (a pupil) or professional.")
    ] = "client",
) -> None:
    """Chat with the real bot in your terminal, as a pupil or a professional (local sandbox)."""
    import asyncio

    from bot.demo.chat import run_chat

    if as_role not in ("client", "professional"):
        raise typer.BadParameter("choose client or professional", param_hint="--as")
    asyncio.run(run_chat(out, as_role))


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8081,
    strict: Annotated[
        bool, typer.Option(help="Answer 429 beyond Telegram's limits, as Telegram does.")
    ] = True,
    spec: Annotated[
        Path | None,
        typer.Option(help="Check every request against this Bot API spec (api-10.0.json)."),
    ] = None,
    username: Annotated[str, typer.Option(help="The bot's username in getMe.")] = (
        "duwtje_sandbox_bot"
    ),
    latency: Annotated[
        float,
        typer.Option(help="Seconds of network round trip added to every Bot API call.", min=0),
    ] = 0.0,
) -> None:
    """Run a local Telegram Bot API server to try the bot without Telegram (see README)."""
    from bot.sandbox import serve

    if spec is not None and not spec.is_file():
        raise UserError(f"{spec}: no such file (--spec wants the Bot API spec JSON)")
    try:
        serve(port=port, strict=strict, spec_path=spec, bot_username=username, latency=latency)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})") from None


@invite_app.command("professional")
def invite_professional(
    org: Annotated[str, typer.Option("--org", help="The organisation's key.")],
    name: Annotated[
        str, typer.Option("--name", help="The professional's name, as clients see it.")
    ],
    qr: Annotated[
        Path | None,
        typer.Option("--qr", help="Where to write the QR code (PNG).", dir_okay=False),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Make a one-time link that binds a professional's Telegram account, and its QR code."""
    from bot.telegram_admin import invite_professional_link
    from services.qr import write_qr

    settings = settings_for(config)
    link = invite_professional_link(settings, organisation_key=org, name=name)
    target = qr or Path(f"invite-{_file_safe(name)}.png")
    write_qr(link, target)
    out.print(f"Send this link to {name}. It works once, for 7 days:", markup=False)
    typer.echo(link)
    out.print(f"The same link as a QR code: {target}", markup=False, highlight=False)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema up to date (also done by `duwtje run`)."""
    from bot.setup import prepare_database

    settings = settings_for(config)
    revision = prepare_database(settings)
    out.print(f"Database is up to date (revision {revision}).")


@db_app.command("status")
def db_status(config: ConfigOption = None) -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    from storage.db import make_engine
    from storage.migrate import current_revision, head_revision

    settings = settings_for(config)
    engine = make_engine(settings.database.url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    state = "up to date" if current == head else "needs `duwtje db upgrade`"
    out.print(f"Database revision {current or '(empty)'}, newest {head}: {state}.")


@content_app.command("check")
def content_check(config: ConfigOption = None) -> None:
    """Render every template and line with sample data and check Telegram's limits."""
    from content.check import check_content
    from content.render import content_dirs

    directories = content_dirs(_extra_content_dirs(config))
    problems = check_content(directories)
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if problems:
        raise UserError(f"{len(problems)} content problem(s) found; see the lines above")
    out.print(f"Content is fine ({', '.join(str(d) for d in directories)}).")


@content_app.command("list")
def content_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    language: Annotated[str, typer.Option("--lang", help="Language of the titles.")] = "nl",
) -> None:
    """List the learning lines and their steps."""
    from content import LANGUAGES, load_content

    if language not in LANGUAGES:
        raise typer.BadParameter(f"choose one of {', '.join(LANGUAGES)}", param_hint="--lang")
    content = load_content(_extra_content_dirs(config))
    listing: list[dict[str, Any]] = [
        {
            "key": line.key,
            "title": line.title.get(language),
            "steps": [
                {
                    "key": step.key,
                    "kind": str(step.kind),
                    "audience": str(step.audience),
                    "title": step.title.get(language),
                }
                for step in line.steps
            ],
        }
        for line in content.lines.values()
    ]
    if as_json:
        typer.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for line in listing:
        out.print(f"[bold]{line['key']}[/bold]  {line['title']}")
        for number, step in enumerate(line["steps"], start=1):
            out.print(
                f"  {number}. {step['key']} ({step['kind']}, {step['audience']}): {step['title']}"
            )


AfterOption = Annotated[
    str | None, typer.Option("--after", help="Put it after this step (default: first).")
]


def _texts(**given: str | None) -> dict[str, dict[str, str]]:
    """{"title": {"nl": ..., "en": ...}, ...} from --title-nl/--title-en style options."""
    texts: dict[str, dict[str, str]] = {}
    for name in ("title", "text", "question"):
        nl, en = given.get(f"{name}_nl"), given.get(f"{name}_en")
        if nl or en:
            if not (nl and en):
                raise typer.BadParameter(f"give --{name}-nl and --{name}-en together")
            texts[name] = {"nl": nl, "en": en}
    return texts


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="The backup file to write.", dir_okay=False)],
    config: ConfigOption = None,
) -> None:
    """Back up the database while the bot runs (SQLite), or show the pg_dump command."""
    from bot.ops import backup as make_backup

    out.print(make_backup(settings_for(config), target), markup=False, highlight=False)


@outbox_app.command("status")
def outbox_status(config: ConfigOption = None) -> None:
    """How many messages per status, and how long the oldest due one has waited."""
    from bot.ops import outbox_status as status

    counts, waited = status(settings_for(config))
    for name in ("pending", "sending", "sent", "failed", "unknown"):
        out.print(f"{name:>8}: {counts.get(name, 0)}", highlight=False)
    out.print(
        f"oldest due message waits {waited:.0f} s" if waited is not None else "nothing waits",
        highlight=False,
    )


@outbox_app.command("list")
def outbox_list(
    status: Annotated[
        list[str] | None,
        typer.Option(help="failed, unknown, stuck, pending, sending or sent (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    config: ConfigOption = None,
) -> None:
    """Messages that need a look (default: failed, unknown and stuck). Never their text."""
    from rich.table import Table

    from bot.ops import outbox_rows

    wanted = status or ["failed", "unknown", "stuck"]
    allowed = {"failed", "unknown", "stuck", "pending", "sending", "sent"}
    if not set(wanted) <= allowed:
        raise typer.BadParameter(f"choose from {', '.join(sorted(allowed))}", param_hint="--status")
    table = Table("id", "kind", "to", "status", "attempts", "due", "last error")
    for row in outbox_rows(settings_for(config), wanted, limit):
        table.add_row(
            str(row.id),
            row.kind,
            f"{row.recipient_kind} {row.recipient_id or ''}",
            row.status,
            str(row.attempts),
            row.due_at.isoformat(timespec="seconds"),
            row.last_error or "",
        )
    out.print(table)


@outbox_app.command("retry")
def outbox_retry(message: int, config: ConfigOption = None) -> None:
    """Send a failed, unknown or stuck message again, now (it may then arrive twice)."""
    from bot.ops import outbox_change

    outbox_change(settings_for(config), message, retry=True)
    out.print(f"Message {message} goes out again.")


@outbox_app.command("cancel")
def outbox_cancel(message: int, config: ConfigOption = None) -> None:
    """Withdraw a message that has not gone out yet."""
    from bot.ops import outbox_change

    outbox_change(settings_for(config), message, retry=False)
    out.print(f"Message {message} cancelled.")


@traject_app.command("list")
def traject_list(
    config: ConfigOption = None,
    client: Annotated[int | None, typer.Option(help="Only this client's trajecten.")] = None,
) -> None:
    """Every traject: client, line, the step that waits, progress."""
    from rich.table import Table

    from bot.traject_admin import list_trajecten

    rows = list_trajecten(settings_for(config), client)
    table = Table("id", "client", "role", "line", "waiting", "status", "progress")
    for row in rows:
        table.add_row(
            *(
                str(row[key])
                for key in ("id", "client", "role", "line", "waiting", "status", "progress")
            )
        )
    out.print(table)


@traject_app.command("show")
def traject_show(traject: int, config: ConfigOption = None) -> None:
    """The steps of one traject, in order, with what is done and what waits."""
    from rich.table import Table

    from bot.traject_admin import show

    table = Table("step", "kind", "audience", "title", "state")
    for row in show(settings_for(config), traject):
        table.add_row(row.key, row.kind, row.audience, row.title, row.state)
    out.print(table)


@traject_app.command("add-step")
def traject_add_step(
    traject: int,
    after: AfterOption = None,
    source: Annotated[
        str | None, typer.Option("--from", help="Copy a step of any line: LINE.STEP.")
    ] = None,
    key: Annotated[str | None, typer.Option(help="The new step's key.")] = None,
    kind: Annotated[str, typer.Option(help="info, exercise or question.")] = "exercise",
    title_nl: str | None = None,
    title_en: str | None = None,
    text_nl: str | None = None,
    text_en: str | None = None,
    question_nl: str | None = None,
    question_en: str | None = None,
    config: ConfigOption = None,
) -> None:
    """Add a step for this client only: a copy of another line's step, or your own text."""
    from bot.traject_admin import step_from_line, tailor
    from services import trajecten

    texts = _texts(
        title_nl=title_nl,
        title_en=title_en,
        text_nl=text_nl,
        text_en=text_en,
        question_nl=question_nl,
        question_en=question_en,
    )
    if bool(source) == bool(texts):
        raise typer.BadParameter("give either --from LINE.STEP or the texts of a new step")

    def change(unit: Any, chosen: Any) -> None:
        step = step_from_line(unit, source) if source else {"kind": kind, **texts}
        if key:
            step["key"] = key
        elif not source:
            raise UserError("a new step needs --key")
        trajecten.add_step(
            unit.session,
            unit.content,
            unit.cipher,
            chosen,
            after=after,
            step=step,
            now=unit.now,
            by="administrator",
        )

    tailor(settings_for(config), traject, change)
    out.print(f"Traject {traject}: step added.")


@traject_app.command("change-step")
def traject_change_step(
    traject: int,
    step: str,
    title_nl: str | None = None,
    title_en: str | None = None,
    text_nl: str | None = None,
    text_en: str | None = None,
    question_nl: str | None = None,
    question_en: str | None = None,
    config: ConfigOption = None,
) -> None:
    """New title, text or question of one step, for this client only (both languages)."""
    from bot.traject_admin import tailor
    from services import trajecten

    texts = _texts(
        title_nl=title_nl,
        title_en=title_en,
        text_nl=text_nl,
        text_en=text_en,
        question_nl=question_nl,
        question_en=question_en,
    )
    if not texts:
        raise typer.BadParameter("give at least one text to change, e.g. --text-nl and --text-en")
    tailor(
        settings_for(config),
        traject,
        lambda unit, chosen: trajecten.change_step(
            unit.session,
            unit.content,
            unit.cipher,
            chosen,
            key=step,
            texts=texts,
            now=unit.now,
            by="administrator",
        ),
    )
    out.print(f"Traject {traject}: step {step} changed.")


@traject_app.command("skip-step")
def traject_skip_step(traject: int, step: str, config: ConfigOption = None) -> None:
    """Leave a step out for this client."""
    from bot.traject_admin import tailor
    from services import trajecten

    tailor(
        settings_for(config),
        traject,
        lambda unit, chosen: trajecten.skip_step(
            unit.session,
            unit.content,
            unit.cipher,
            chosen,
            key=step,
            now=unit.now,
            by="administrator",
        ),
    )
    out.print(f"Traject {traject}: step {step} skipped.")


@traject_app.command("move-step")
def traject_move_step(
    traject: int, step: str, after: AfterOption = None, config: ConfigOption = None
) -> None:
    """Move a step, for this client only."""
    from bot.traject_admin import tailor
    from services import trajecten

    tailor(
        settings_for(config),
        traject,
        lambda unit, chosen: trajecten.move_step(
            unit.session,
            unit.content,
            unit.cipher,
            chosen,
            key=step,
            after=after,
            now=unit.now,
            by="administrator",
        ),
    )
    out.print(f"Traject {traject}: step {step} moved.")


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "invite"


def _extra_content_dirs(config: Path | None) -> tuple[str, ...]:
    """The organisation's own content folders, when there is a configuration to say so."""
    from bot.settings import default_config_path

    path = config or default_config_path(os.environ)
    if config is None and not path.exists():
        return ()
    return tuple(settings_for(path).content.extra_dirs)


def main() -> None:
    try:
        app()
    except (UserError, ContentError) as exc:
        err.print(f"duwtje: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
