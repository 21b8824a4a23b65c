"""Content: shipped lines and templates are valid; broken content is reported by file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content import ContentError, load_content
from content.check import check_content
from content.lines import Audience, ItemKind, StepKind
from content.render import SHIPPED, Renderer, content_dirs
from content.telegram_text import (
    button_problems,
    check_html,
    message_problems,
    split_message,
    utf16_length,
    visible_length,
)


def test_the_shipped_content_has_no_problems() -> None:
    assert check_content(content_dirs()) == []


def test_the_shipped_lines_are_there_with_what_they_promise() -> None:
    lines = load_content().lines
    assert {"faalangst", "mantelzorg", "intake", "activiteit"} <= set(lines)
    faalangst = lines["faalangst"]
    assert len(faalangst.sequence()) >= 8
    together = [s for s in faalangst.steps if s.audience == Audience.TOGETHER]
    assert len(together) >= 2 and any(s.shared for s in together)
    assert [s.kind for s in faalangst.recurring()] == [StepKind.CHECKIN]
    assert faalangst.steps[0].video_url is not None
    assert len(lines["mantelzorg"].sequence()) >= 6 and lines["mantelzorg"].recurring()
    [six] = [s for s in lines["intake"].steps if s.kind == StepKind.CHECKIN]
    assert [item.key for item in six.items] == [
        "lichaam",
        "mentaal",
        "zingeving",
        "kwaliteit",
        "meedoen",
        "dagelijks",
    ]
    assert all(item.scale and (item.scale.min, item.scale.max) == (0, 10) for item in six.items)
    weekly = lines["activiteit"].recurring()
    assert weekly and {item.kind for item in weekly[0].items} >= {ItemKind.TEXT, ItemKind.CHOICE}


@pytest.fixture
def extra(tmp_path: Path) -> Path:
    """An organisation's own content folder."""
    (tmp_path / "lines").mkdir()
    return tmp_path


def write_line(folder: Path, name: str, text: str) -> Path:
    path = folder / "lines" / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_STEP = """
[[steps]]
key = "een"
kind = "info"
title.nl = "Een"
title.en = "One"
text.nl = "Tekst"
text.en = "Text"
"""
HEADER = """
key = "mijn-lijn"
title.nl = "Mijn lijn"
title.en = "My line"
description.nl = "Over iets"
description.en = "About something"
"""


@pytest.mark.parametrize(
    ("label", "body", "expected_key", "expected_message"),
    [
        (
            "missing english",
            HEADER.replace('title.en = "My line"\n', "") + GOOD_STEP,
            "title.en",
            "missing",
        ),
        (
            "bad kind",
            HEADER + GOOD_STEP.replace('"info"', '"quiz"'),
            "steps[0:een].kind",
            "'exercise'",
        ),
        (
            "choice without options",
            HEADER + GOOD_STEP.replace('"info"', '"choice"'),
            "steps[0:een]",
            "2 to 8 options",
        ),
        (
            "scale without scale",
            HEADER + GOOD_STEP.replace('"info"', '"scale"'),
            "steps[0:een]",
            "needs a scale",
        ),
        ("repeated step", HEADER + GOOD_STEP + GOOD_STEP, "(top level)", "repeated: een"),
        (
            "long key",
            HEADER + GOOD_STEP.replace('key = "een"', f'key = "{"x" * 30}"'),
            "steps[0:" + "x" * 30 + "].key",
            "1-24 characters",
        ),
        (
            "typo",
            HEADER + GOOD_STEP.replace("kind =", "knid ="),
            "steps[0:een].knid",
            "unknown key",
        ),
        (
            "audience",
            HEADER + GOOD_STEP + 'audience = "class"\n',
            "steps[0:een].audience",
            "'client' or 'together'",
        ),
        ("no steps", HEADER, "steps", "missing"),
        ("not toml", HEADER + "[[steps]\n", "-", "not valid TOML"),
        (
            "http video",
            HEADER + GOOD_STEP + 'video_url = "http://x.nl/v"\n',
            "steps[0:een].video_url",
            "https",
        ),
    ],
)
def test_a_broken_line_is_reported_by_file_and_key(
    extra: Path, label: str, body: str, expected_key: str, expected_message: str
) -> None:
    path = write_line(extra, "mijn-lijn.toml", body)
    problems = [p for p in check_content(content_dirs([extra])) if p.file == str(path)]
    assert problems, label
    assert any(p.key == expected_key and expected_message in p.message for p in problems), (
        label,
        [str(p) for p in problems],
    )
    with pytest.raises(ContentError):
        load_content([extra])


def test_an_extra_folder_can_add_a_line(extra: Path) -> None:
    write_line(extra, "mijn-lijn.toml", HEADER + GOOD_STEP)
    content = load_content([extra])
    assert "mijn-lijn" in content.lines and "faalangst" in content.lines


def copy_of_shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def test_a_template_missing_in_one_language_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "templates" / "en" / "help_client.html").unlink()
    problems = [str(p) for p in check_content([folder])]
    assert (
        "templates/en/help_client.html: help_client: template missing in en; translate it"
        in problems
    )


def test_a_template_that_breaks_telegram_rules_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "templates" / "nl" / "help_client.html").write_text(
        "<div>{{ name }}</b>", encoding="utf-8"
    )
    (folder / "templates" / "en" / "help_client.html").write_text("x" * 5000, encoding="utf-8")
    problems = [str(p) for p in check_content([folder])]
    assert any(
        "nl/help_client.html: help_client: unsupported start tag <div>" in p for p in problems
    ), problems
    assert any("en/help_client.html: help_client: 5000 characters" in p for p in problems), problems


def test_a_template_with_an_unknown_value_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "templates" / "nl" / "help_client.html").write_text(
        "Hoi {{ nickname }}", encoding="utf-8"
    )
    problems = [str(p) for p in check_content([folder])]
    assert any(
        "help_client: cannot render with the sample values" in p and "nickname" in p
        for p in problems
    ), problems


def test_a_template_without_samples_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    for language in ("nl", "en"):
        (folder / "templates" / language / "nieuw.html").write_text("Hoi", encoding="utf-8")
    problems = [str(p) for p in check_content([folder])]
    assert any("nieuw: no sample values: add [nieuw] to samples.toml" in p for p in problems)


def test_what_people_type_is_shown_never_evaluated() -> None:
    renderer = Renderer(content_dirs())
    typed = "{{7*7}} <b>vet</b> & \u202egniht"
    text = renderer.render("help_client", "nl", name=typed, organisation="A", professional="B")
    assert "{{7*7}}" in text and "49" not in text
    assert "&lt;b&gt;vet&lt;/b&gt; &amp;" in text
    assert message_problems(text) == []


def test_an_unknown_language_falls_back_to_dutch() -> None:
    renderer = Renderer(content_dirs())
    assert renderer.render("unknown_command", "fy") == renderer.render("unknown_command", "nl")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>ok</b>", None),
        ('<a href="https://x.nl/?a=1&amp;b=2">link</a>', None),
        ('<span class="tg-spoiler">x</span>', None),
        ("<b>open", "unclosed tag <b>"),
        ("<b><i>x</b></i>", "unexpected end tag </b>"),
        ("<div>x</div>", "unsupported start tag <div>"),
        ("Tom & Jerry", "bare &"),
        ("a < b", "bare <"),
        ("&nbsp;", "unsupported entity"),
        ("<br/>", "self-closing"),
        ("<span>x</span>", "tg-spoiler"),
    ],
)
def test_it_checks_telegram_html(text: str, problem: str | None) -> None:
    problems, _visible = check_html(text)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_it_counts_like_telegram() -> None:
    assert utf16_length("😀") == 2  # outside the BMP: two UTF-16 code units
    assert message_problems("<b>" + "a" * 4096 + "</b>") == []  # tags do not count
    assert message_problems("a" * 4095 + "😀") != []
    assert button_problems("Ja", "x" * 64) == []
    assert button_problems("Ja", "é" * 33) != []  # 66 bytes


def test_the_example_in_the_content_readme_is_a_valid_line(tmp_path: Path) -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "lines").mkdir()
    (tmp_path / "lines" / "example.toml").write_text(example, encoding="utf-8")
    problems = [p for p in check_content(content_dirs([tmp_path])) if "example" in p.file]
    assert problems == []
    kinds = {step.kind for step in load_content([tmp_path]).line("voorbeeld").steps}
    assert kinds == {StepKind.EXERCISE, StepKind.CHOICE, StepKind.SCALE}


def test_plain_language_is_measured() -> None:
    from content.plain import lock_screen_problems, plain_language_problems

    short = "Hoi Sanne! Hoe gaat het? Doe je mee?"
    assert plain_language_problems(short) == []
    long_message = " ".join(["Dit is een korte zin."] * 20)  # 100 words
    assert any("100 words" in p for p in plain_language_problems(long_message))
    one_long_sentence = " ".join(["woord"] * 30) + "."
    assert any("average 30.0" in p for p in plain_language_problems(one_long_sentence))
    links = "Kijk hier: https://example.org/a/b/c en typ /verder."
    assert plain_language_problems(links) == []
    assert lock_screen_problems("<b>Faalangst</b> oefening\nmeer", ["faalangst"])
    assert lock_screen_problems("Je stap staat klaar\nFaalangst", ["faalangst"]) == []


def test_a_sensitive_title_on_the_first_line_is_caught(extra: Path) -> None:
    # The shipped templates open with a neutral line; an organisation's own may not.
    line = HEADER + GOOD_STEP.replace('title.nl = "Een"', 'title.nl = "Faalangst"')
    write_line(extra, "mijn-lijn.toml", line)
    for language in ("nl", "en"):
        folder = extra / "templates" / language
        folder.mkdir(parents=True)
        (folder / "step.html").write_text("<b>{{ title }}</b>\n\n{{ text }}", encoding="utf-8")
    problems = [str(p) for p in check_content(content_dirs([extra]))]
    assert any("mijn-lijn" in p and "'faalangst'" in p and "(nl)" in p for p in problems)


def test_an_overlong_step_is_caught(extra: Path) -> None:
    words = " ".join(["heel"] * 90)
    line = HEADER + GOOD_STEP.replace('text.nl = "Tekst"', f'text.nl = "{words}."')
    write_line(extra, "mijn-lijn.toml", line)
    problems = [str(p) for p in check_content(content_dirs([extra]))]
    assert any("mijn-lijn" in p and "at most 80 per message" in p for p in problems), problems


def test_a_line_whose_newline_a_block_tag_would_eat_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    (folder / "templates" / "nl" / "help_client.html").write_text(
        "Hoi{% if name %} {{ name }}{% endif %}\nTot zo{% if name %}!{% endif %}\n",
        encoding="utf-8",
    )
    problems = [str(p) for p in check_content([folder])]
    assert any(
        "nl/help_client.html: help_client, line 1: this line ends in a block tag" in p
        and "+%}" in p
        for p in problems
    ), problems
    assert not any("help_client, line 2" in p for p in problems), "the last line has no newline"


@given(
    st.lists(
        st.lists(st.text(alphabet="abcdé 🙂&<", min_size=0, max_size=60), min_size=1, max_size=8),
        min_size=1,
        max_size=40,
    ),
    st.integers(min_value=80, max_value=400),
)
def test_a_long_message_is_split_between_lines_and_keeps_every_line(
    sections: list[list[str]], limit: int
) -> None:
    from html import escape

    text = "\n\n".join(
        "\n".join(f"<b>{escape(line)}</b>" if n == 0 else escape(line) for n, line in enumerate(s))
        for s in sections
    )
    parts = split_message(text, limit=limit)
    assert all(parsed_length(part) <= limit for part in parts), "measured by the parser"
    assert all(not check_html(part)[0] for part in parts), "each part is valid on its own"
    if all(parsed_length(line) <= limit for line in text.split("\n")):
        kept = [line for part in parts for line in part.split("\n") if line]
        assert kept == [line for line in text.split("\n") if line], "every line, in order"


def parsed_length(text: str) -> int:
    """How long `text` is to Telegram, by the HTML parser (visible_length's shortcut aside)."""
    return utf16_length(check_html(text)[1])


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "b", "i", "u", "s", "code", "a", "tg-spoiler"]),
            st.text(alphabet="abé 🙂&<>\"'\n;#x", max_size=40),
        ),
        max_size=12,
    )
)
def test_the_visible_length_of_valid_html_is_what_the_parser_sees(
    pieces: list[tuple[str, str]],
) -> None:
    from html import escape

    def tagged(tag: str, words: str) -> str:
        if tag == "a":
            return f'<a href="https://example.nl/?a=1&amp;b=2">{escape(words)}</a>'
        return f"<{tag}>{escape(words)}</{tag}>" if tag else escape(words)

    text = "".join(tagged(tag, words) for tag, words in pieces) + "&quot;&#127775;&#x1F31F;"
    assert not check_html(text)[0]
    assert visible_length(text) == parsed_length(text)


def test_a_sparkline_draws_each_score_and_keeps_out_of_range_ones_at_the_ends() -> None:
    from services.charts import sparkline

    assert sparkline([0, 5, 10]) == "▁▅█"
    assert sparkline(range(11)) == "▁▂▂▃▄▅▅▆▇▇█"
    assert sparkline([-3, 14]) == "▁█", "clamped, not an error"
    assert sparkline([1, 3, 5], low=1, high=5) == "▁▅█"
    assert sparkline([4], low=4, high=4) == "▁", "a scale of one value"
    assert sparkline([]) == ""


def test_a_nudge_whose_first_line_names_the_step_is_reported(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    path = folder / "templates" / "nl" / "nudge_2.html"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Hoi {{ name }} ☀️", "Hoi {{ name }}, {{ step_title }} ☀️"), "utf-8")
    problems = [str(p) for p in check_content([folder])]
    assert any("the first line names" in p and "(nl)" in p for p in problems), problems


def test_every_rung_has_five_texts_in_each_language() -> None:
    from content import load_content
    from content.plain import NUDGE_TEMPLATES, NUDGE_VARIANTS, WELCOME_TEMPLATE

    renderer = load_content().renderer
    assert NUDGE_VARIANTS >= 5
    for template in (*NUDGE_TEMPLATES.values(), WELCOME_TEMPLATE):
        for language in ("nl", "en"):
            texts = {
                renderer.render(
                    template,
                    language,
                    variant=variant,
                    name="Sanne",
                    step_title="Let op je gedachten",
                    days=4,
                    reason="step",
                    professional="Mirjam",
                )
                for variant in range(NUDGE_VARIANTS)
            }
            assert len(texts) == NUDGE_VARIANTS, (template, language)
            for text in texts:
                assert "Sanne" in text.split("\n", 1)[0]
                assert "Let op je gedachten" not in text.split("\n", 1)[0]


def test_broken_report_words_name_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    shipped = (SHIPPED / "report" / "en.toml").read_text(encoding="utf-8")
    broken = shipped.replace('title = "Duwtje\'s reach"\n', "").replace(
        'hours = "{value} hours"', 'hours = "{value hours"'
    )
    assert broken != shipped
    (tmp_path / "report" / "en.toml").write_text(broken, encoding="utf-8")
    problems = [str(p) for p in check_content(content_dirs([tmp_path]))]
    en = str(tmp_path / "report" / "en.toml")
    assert f"{en}: hours: a {{value}} is not closed" in " ".join(problems)
    assert any("report/en.toml: title: missing here" in p for p in problems), problems
    with pytest.raises(ContentError, match=r"report/en\.toml"):
        load_content([tmp_path])
