"""`duwtje bench`: the JSON shape and exit codes the design brief freezes, and the benchmarks'
own honesty (what they count is what was stored or received)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import Benchmark, correct
from tests.test_cli import duwtje


def test_bench_writes_figures_per_benchmark_and_exits_by_the_target(tmp_path: Path) -> None:
    result = duwtje("bench", "enqueue", "--quick", "--json", "figures.json", cwd=tmp_path)
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert list(figures) == ["enqueue"]
    enqueue = figures["enqueue"]
    assert enqueue["nudges"] == 10_000
    assert enqueue["total_ms"] > enqueue["insert_ms"] > 0 and enqueue["raw_executemany_ms"] > 0
    assert enqueue["met"] == (
        enqueue["total_ms"] <= 300 and enqueue["insert_ms"] <= 2 * enqueue["raw_executemany_ms"]
    )
    assert result.returncode == (0 if enqueue["met"] else 1), result.stdout + result.stderr
    assert "enqueue" in result.stdout and "target" in result.stdout


def test_bench_digest_checks_its_counts_against_the_rows_themselves(tmp_path: Path) -> None:
    # The correctness gate (what CI uses): the exit code depends on the counts, not the speed.
    result = duwtje(
        "bench",
        "digest",
        "--quick",
        "--gate",
        "correctness",
        "--json",
        "figures.json",
        cwd=tmp_path,
    )
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert list(figures) == ["digest"]
    digest = figures["digest"]
    assert digest["clients"] == 200  # the quick form keeps the caseload, shrinks the table
    assert (digest["replies"], digest["table_rows"]) == (10_000, 50_000)
    assert digest["outbox_rows"] > 0 and digest["digest_parts"] >= 1
    assert digest["digest_ms"] > 0 and digest["python_aggregate_ms"] > 0
    assert digest["ratio"] == round(digest["digest_ms"] / digest["python_aggregate_ms"], 3)
    assert digest["wrong_counts"] == 0
    assert digest["met"] == (digest["digest_ms"] <= 25)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest" in result.stdout and "target" in result.stdout


def test_an_unknown_benchmark_is_a_usage_error(tmp_path: Path) -> None:
    result = duwtje("bench", "warp", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown bench warp" in result.stderr and "fanout" in result.stderr


def test_the_correctness_gate_looks_only_at_what_must_be_zero() -> None:
    fanout = Benchmark("fanout", "", lambda quick: {}, correctness=("lost", "count_429"))
    assert correct(fanout, {"lost": 0, "count_429": 0, "msg_per_s": 3.0, "met": False})
    assert not correct(fanout, {"lost": 1, "count_429": 0, "met": False})
    assert not correct(fanout, {"count_429": 0})  # a figure that is missing is not zero


def test_bench_report_times_a_year_and_checks_its_totals(tmp_path: Path) -> None:
    result = duwtje("bench", "report", "--quick", "--json", "figures.json", cwd=tmp_path)
    report = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["report"]
    assert report["clients"] == 500 and report["replies"] > 5_000
    assert report["report_ms"] > 0 and report["orm_rows_ms"] > 0
    assert report["wrong_counts"] == 0  # its totals agree with COUNT(*) of the seed
    assert report["met"] == (report["report_ms"] < 10_000)
    assert result.returncode == (0 if report["met"] else 1), result.stdout + result.stderr


def test_bench_update_measures_the_real_bot_against_its_floors(tmp_path: Path) -> None:
    duwtje("bench", "update", "--quick", "--json", "figures.json", cwd=tmp_path)
    update = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["update"]
    assert update["updates"] == 300
    assert update["lost_answers"] == 0 and update["queued"] >= 2 * 300  # stored, answered
    for figure in ("echo_median_us", "realistic_median_us", "reply_median_us", "help_median_us"):
        assert update[figure] > 0, figure
    assert update["echo_median_us"] < update["realistic_median_us"]  # a commit costs more
    assert update["reply_ratio"] == round(
        update["reply_median_us"] / update["realistic_median_us"], 2
    )
    assert update["met"] == (
        update["reply_ratio"] <= 1.5
        and update["p99_ratio"] <= 2
        and update["help_ratio"] <= 1.5
        and update["updates_per_s"] >= 1000
        and update["lost_answers"] == 0
    )
