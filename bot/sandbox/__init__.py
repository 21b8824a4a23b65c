"""A local Bot API server ("sandbox") for demos, `duwtje chat` and end-to-end tests.

python-telegram-bot talks to it over real HTTP as it would to Telegram; a JSON control API under
/control/ acts as the people in a simulated world and reports what the bot did. See README.md.
This package does not import python-telegram-bot: it is the other side of the wire.
"""

from bot.sandbox.client import SandboxClient, SandboxError
from bot.sandbox.limits import Limits, Window
from bot.sandbox.server import SandboxThread, bot_api_urls, serve
from bot.sandbox.spec import default_spec_path

__all__ = [
    "Limits",
    "SandboxClient",
    "SandboxError",
    "SandboxThread",
    "Window",
    "bot_api_urls",
    "default_spec_path",
    "serve",
]
