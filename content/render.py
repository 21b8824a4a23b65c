"""Every text a person reads goes through `Renderer.render` (messages) or `Renderer.label`
(buttons and other short plain strings).

Messages are Jinja2 templates in Telegram's HTML parse mode, one file per message kind and
language: `templates/<lang>/<name>.html`. Autoescape is on, so whatever a person typed is shown,
never interpreted; StrictUndefined turns a missing value into an error instead of a silent gap;
the sandboxed environment keeps an organisation's own templates from reaching into Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from content.lines import LANGUAGES
from content.problems import ContentError, Problem, read_toml

SHIPPED = Path(__file__).parent
_BLANK_LINES = re.compile(r"\n{3,}")


def content_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """The shipped content first, then each extra folder; later folders override earlier ones."""
    return [SHIPPED, *(Path(path) for path in extra)]


class Renderer:
    def __init__(self, directories: Sequence[Path]) -> None:
        self.directories = list(directories)
        search = [str(d / "templates") for d in reversed(self.directories)]
        self._env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(search),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._plain = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
        self._labels: dict[str, dict[str, Template]] = {}
        self.label_problems: list[Problem] = []
        for language in LANGUAGES:
            self._labels[language] = self._load_labels(language)

    def render(self, name: str, language: str, /, **context: Any) -> str:
        """The message `name` in `language`, ready for parse_mode=HTML."""
        template = self._template(name, language)
        text = template.render(**context)
        return _BLANK_LINES.sub("\n\n", text).strip()

    def label(self, key: str, language: str, /, **context: Any) -> str:
        """A short plain text (a button label): not HTML, never escaped."""
        try:
            template = self._labels[_language(language)][key]
        except KeyError:
            raise KeyError(f"no label {key!r} in labels/{language}.toml") from None
        return template.render(**context).strip()

    def template_names(self, language: str) -> list[str]:
        names: set[str] = set()
        for directory in self.directories:
            folder = directory / "templates" / language
            names.update(path.stem for path in folder.glob("*.html"))
        return sorted(names)

    def has_label(self, key: str, language: str) -> bool:
        return key in self._labels[_language(language)]

    def label_keys(self, language: str) -> list[str]:
        return sorted(self._labels[_language(language)])

    def template_path(self, name: str, language: str) -> str:
        for directory in reversed(self.directories):
            path = directory / "templates" / language / f"{name}.html"
            if path.exists():
                return str(path)
        return f"templates/{language}/{name}.html"

    def _template(self, name: str, language: str) -> Template:
        return _cached_template(self._env, f"{_language(language)}/{name}.html")

    def _load_labels(self, language: str) -> dict[str, Template]:
        labels: dict[str, Template] = {}
        for directory in self.directories:
            path = directory / "labels" / f"{language}.toml"
            if not path.exists():
                continue
            data, problem = read_toml(path)
            if data is None:
                self.label_problems.extend([problem] if problem else [])
                continue
            for key, value in _flatten(data):
                if not isinstance(value, str):
                    self.label_problems.append(Problem(str(path), key, "expected a text"))
                    continue
                try:
                    labels[key] = self._plain.from_string(value)
                except TemplateError as exc:
                    self.label_problems.append(Problem(str(path), key, f"template error: {exc}"))
        return labels


@lru_cache(maxsize=512)
def _cached_template(env: ImmutableSandboxedEnvironment, path: str) -> Template:
    # Jinja caches too, but checks the file's mtime on every call; this is the hot path.
    return env.get_template(path)


def _language(language: str) -> str:
    return language if language in LANGUAGES else LANGUAGES[0]


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{full}."))
        else:
            items.append((full, value))
    return items


def require_renderer(directories: Sequence[Path]) -> Renderer:
    renderer = Renderer(directories)
    if renderer.label_problems:
        raise ContentError(renderer.label_problems)
    return renderer
