"""The only package that imports `telegram`: CLI, settings, wiring, handlers, sender, sandbox."""

import os

# python-telegram-bot 22.2+ turns `retry_after` and other durations into timedeltas when this is
# set, and warns about it otherwise. We opt in before `telegram` is imported anywhere.
os.environ.setdefault("PTB_TIMEDELTA", "1")
