"""`duwtje content check`: load, render and measure everything a person could be sent."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import TemplateError

from content.lines import LANGUAGES, Line, Step, load_lines
from content.problems import Problem, read_toml
from content.render import Renderer
from content.safety import load_notice_version, load_safety
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
    for line in lines.values():
        problems.extend(_check_line(renderer, line))
    problems.extend(load_safety(directories)[1])
    problems.extend(load_notice_version(directories)[1])
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
    problems = []
    for context in sample_contexts(samples, name):
        try:
            text = renderer.render(name, language, **context)
        except TemplateError as exc:
            problems.append(Problem(path, name, f"cannot render with the sample values: {exc}"))
            continue
        problems.extend(Problem(path, name, problem) for problem in message_problems(text))
    return problems


def _check_label(renderer: Renderer, key: str, language: str, samples: Samples) -> list[Problem]:
    path = f"labels/{language}.toml"
    try:
        label = renderer.label(key, language, **sample_contexts(samples, "labels")[0])
    except TemplateError as exc:
        return [Problem(path, key, f"cannot render with the sample values: {exc}")]
    return [Problem(path, key, problem) for problem in button_problems(label)]


def _check_line(renderer: Renderer, line: Line) -> list[Problem]:
    problems = []
    file = f"lines/{line.key}.toml"
    for language in LANGUAGES:
        for step in line.steps:
            where = f"steps[{step.key}]"
            try:
                text = renderer.render("step", language, **step.context(language, line))
            except TemplateError as exc:
                problems.append(Problem(file, where, f"cannot render ({language}): {exc}"))
                continue
            problems.extend(
                Problem(file, where, f"{problem} ({language})")
                for problem in message_problems(text)
            )
            for label in _step_labels(step, language):
                problems.extend(
                    Problem(file, where, f"{problem} ({language})")
                    for problem in button_problems(label)
                )
    return problems


def _step_labels(step: Step, language: str) -> list[str]:
    labels = [option.label.get(language) for option in step.options]
    if step.scale is not None:
        labels.extend(step.scale.labels)
    return labels
