"""The sandbox in a process of its own (`duwtje sandbox`), as Telegram is a server of its own:
for benchmarks, where sharing the bot's interpreter (and its GIL) would slow both."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class SandboxProcess:
    """`with SandboxProcess(latency=0.05) as sandbox: sandbox.url`. Control it over HTTP with
    `SandboxClient(sandbox.url)`; it stops (Ctrl-C, then a kill) when the block ends."""

    def __init__(
        self, *, strict: bool = True, latency: float = 0.0, spec_path: Path | None = None
    ) -> None:
        self._command = [
            sys.executable,
            "-m",
            "bot.cli",
            "sandbox",
            "--port",
            "0",
            "--strict" if strict else "--no-strict",
            "--latency",
            str(latency),
        ]
        if spec_path is not None:
            self._command += ["--spec", str(spec_path)]
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> SandboxProcess:
        self._process = subprocess.Popen(
            self._command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self._process.stdout is not None
        first = self._process.stdout.readline()  # it announces where it listens, or why not
        found = _LISTENING.search(first)
        if found is None:
            self._stop()
            raise RuntimeError(f"the sandbox did not start: {first.strip() or 'no output'}")
        self.url = found.group(1)
        # Keep reading what it prints, so a full pipe never blocks it.
        self._reader = threading.Thread(target=self._process.stdout.read, daemon=True)
        self._reader.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
