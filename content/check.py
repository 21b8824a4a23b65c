"""`duwtje content check`: load, render and measure everything a person could be sent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from content.lines import LANGUAGES, ItemKind, Line, Step, StepKind, load_lines
from content.plain import (
    NUDGE_TEMPLATES,
    NUDGE_VARIANTS,
    PROFESSIONAL_TEMPLATES,
    WELCOME_TEMPLATE,
    lock_screen_problems,
    plain_language_problems,
)
from content.problems import Problem, read_toml
from content.render import Renderer
from content.report_words import load_report_words
from content.safety import load_lock_screen_words, load_notice_version, load_safety
from content.telegram_text import button_problems, message_problems


def check_content(directories: Sequence[Path]) -> list[Problem]:
    lines, problems = load_lines(directories)
    renderer = Renderer(directories)
    problems.extend(renderer.label_problems)
    samples, sample_problems = load_samples(directories)
    problems.extend(sample_problems)
    problems.extend(_check_languages_match(renderer))
    for language in LANGUAGES:
        for name in renderer.template_names(language):
            problems.extend(_check_template(renderer, name, language, samples))
        for key in renderer.label_keys(language):
            problems.extend(_check_label(renderer, key, language, samples))
    sensitive, sensitive_problems = load_lock_screen_words(directories)
    problems.extend(sensitive_problems)
    for line in lines.values():
        problems.extend(_check_line(renderer, line, sensitive))
        problems.extend(_check_pictures(line, directories))
    problems.extend(load_safety(directories)[1])
    problems.extend(load_notice_version(directories)[1])
    problems.extend(load_report_words(directories)[1])
    return problems


Samples = dict[str, list[dict[str, Any]]]


def load_samples(directories: Sequence[Path]) -> tuple[Samples, list[Problem]]:
    """Sample values per template from `samples.toml` (`[common]` applies to every template);
    `[[name]]` gives several samples, to render every branch."""
    merged: Samples = {}
    problems: list[Problem] = []
    for directory in directories:
        path = directory / "samples.toml"
        if not path.exists():
            continue
        data, problem = read_toml(path)
        if data is None:
            problems.extend([problem] if problem else [])
            continue
        for name, values in data.items():
            tables = values if isinstance(values, list) else [values]
            if not tables or not all(isinstance(table, dict) for table in tables):
                problems.append(Problem(str(path), name, "expected a table of sample values"))
                continue
            merged[name] = tables
    return merged, problems


def sample_contexts(samples: Samples, name: str) -> list[dict[str, Any]]:
    common = samples.get("common", [{}])[0]
    return [{**common, **table} for table in samples.get(name, [{}])]


def _check_languages_match(renderer: Renderer) -> list[Problem]:
    problems = []
    first, *others = LANGUAGES
    for other in others:
        for kind, names in (
            ("template", (renderer.template_names(first), renderer.template_names(other))),
            ("label", (renderer.label_keys(first), renderer.label_keys(other))),
        ):
            for missing_in, present in (
                (other, set(names[0]) - set(names[1])),
                (first, set(names[1]) - set(names[0])),
            ):
                for name in sorted(present):
                    where = (
                        f"templates/{missing_in}/{name}.html"
                        if kind == "template"
                        else f"labels/{missing_in}.toml"
                    )
                    problems.append(
                        Problem(where, name, f"{kind} missing in {missing_in}; translate it")
                    )
    return problems


def _check_template(
    renderer: Renderer, name: str, language: str, samples: Samples
) -> list[Problem]:
    path = renderer.template_path(name, language)
    if name not in samples:
        return [Problem(path, name, f"no sample values: add [{name}] to samples.toml")]
    problems = _swallowed_newlines(path, name)
    for context in sample_contexts(samples, name):
        try:
            text = renderer.render(name, language, **context)
        except TemplateError as exc:
            problems.append(Problem(path, name, f"cannot render with the sample values: {exc}"))
            continue
        problems.extend(Problem(path, name, problem) for problem in message_problems(text))
        if name not in PROFESSIONAL_TEMPLATES:
            problems.extend(Problem(path, name, p) for p in plain_language_problems(text))
    return problems


_ENDS_IN_BLOCK = re.compile(r"\{%-?\s*(?:endif|endfor|else|elif\b[^%]*)\s*%\}$")
_TAG = re.compile(r"\{%.*?%\}")


def _swallowed_newlines(path: str, name: str) -> list[Problem]:
    """A line with text that ends in `{% endif %}` loses its newline (trim_blocks), so the
    next line is glued to it in the message."""
    lines = Path(path).read_text(encoding="utf-8").rstrip("\n").split("\n")
    return [
        Problem(
            path,
            f"{name}, line {number}",
            "this line ends in a block tag, which eats its newline: end it with +%} instead",
        )
        for number, line in enumerate(lines[:-1], start=1)
        if _ENDS_IN_BLOCK.search(line) and _TAG.sub("", line).strip()
    ]


def _check_label(renderer: Renderer, key: str, language: str, samples: Samples) -> list[Problem]:
    path = f"labels/{language}.toml"
    try:
        label = renderer.label(key, language, **sample_contexts(samples, "labels")[0])
    except TemplateError as exc:
        return [Problem(path, key, f"cannot render with the sample values: {exc}")]
    return [Problem(path, key, problem) for problem in button_problems(label)]


def _check_line(renderer: Renderer, line: Line, sensitive: list[str]) -> list[Problem]:
    """Every step as a client gets it: as a step message, its check-in questions, a nudge."""
    problems: list[Problem] = []
    file = f"lines/{line.key}.toml"
    for language in LANGUAGES:
        for step in line.steps:
            where = f"steps[{step.key}]"
            for text, unasked in _step_messages(renderer, line, step, language, problems, file):
                found = message_problems(text) + plain_language_problems(text)
                if unasked:
                    # The step's own title says what it is about ("Spanning voor school"):
                    # never on the line a locked phone shows.
                    title = step.title.get(language)
                    found += lock_screen_problems(text, [*sensitive, *([title] if title else [])])
                problems.extend(Problem(file, where, f"{p} ({language})") for p in found)
            for label in _step_labels(step, language):
                problems.extend(
                    Problem(file, where, f"{problem} ({language})")
                    for problem in button_problems(label)
                )
    return problems


def _check_pictures(line: Line, directories: Sequence[Path]) -> list[Problem]:
    problems = []
    for step in line.steps:
        if (
            step.picture
            and not step.picture.startswith("https://")
            and not any(
                (directory / "pictures" / step.picture).is_file() for directory in directories
            )
        ):
            problems.append(
                Problem(
                    f"lines/{line.key}.toml",
                    f"steps[{step.key}].picture",
                    f"no file pictures/{step.picture} in any content folder",
                )
            )
    return problems


def _step_messages(
    renderer: Renderer, line: Line, step: Step, language: str, problems: list[Problem], file: str
) -> list[tuple[str, bool]]:
    """(message, comes unasked) for every message this step can become."""
    title = step.title.get(language)
    wanted: list[tuple[str, dict[str, Any], bool]] = []
    if step.kind == StepKind.CHECKIN:
        for index, item in enumerate(step.items):
            for reminder in (False, True):  # the one gentle reminder resends a question
                wanted.append(
                    (
                        "checkin_item",
                        {
                            "reminder": reminder,
                            "first": index == 0 and not reminder,
                            "title": title,
                            "question": item.text.get(language),
                            "intro": step.text.get(language) if index == 0 else "",
                            "number": index + 1,
                            "total": len(step.items),
                            "in_words": item.kind == ItemKind.TEXT,
                        },
                        index == 0 or reminder,
                    )
                )
    else:
        wanted.append(("step", step.context(language, line), True))
    if not step.recurring:
        for template in (*NUDGE_TEMPLATES.values(), WELCOME_TEMPLATE):
            for variant in range(NUDGE_VARIANTS):
                for reason in ("step", "meeting"):
                    values = {
                        "variant": variant,
                        "step_title": title,
                        "name": "Sanne",
                        "days": 4,
                        "reason": reason,
                        "professional": "Mirjam",
                    }
                    wanted.append((template, values, True))
    messages = []
    for template, values, unasked in wanted:
        try:
            messages.append((renderer.render(template, language, **values), unasked))
        except TemplateError as exc:
            problems.append(
                Problem(file, f"steps[{step.key}]", f"cannot render {template} ({language}): {exc}")
            )
    return messages


def _step_labels(step: Step, language: str) -> list[str]:
    labels = [option.label.get(language) for option in step.options]
    if step.scale is not None:
        labels.extend(step.scale.labels)
    for item in step.items:
        labels.extend(option.label.get(language) for option in item.options)
        if item.scale is not None:
            labels.extend(item.scale.labels)
    return labels
