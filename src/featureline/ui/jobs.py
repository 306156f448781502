"""Worker processes the app started: one per start, resume or decision.

A job's output goes to files in the app's job folder, so a page can say what the worker
last reported (its run id, its final status, or its one-line error) after it exited.
Stopping the app stops its workers (SIGTERM, then SIGKILL): nothing outlives the server.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_STOP_WAIT_S = 20.0


@dataclass
class Job:
    id: int
    action: str
    process: subprocess.Popen[bytes]
    out: Path
    err: Path
    run_id: str | None = None
    started: float = field(default_factory=time.time)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def reported_run(self) -> str | None:
        """The run id the worker printed (``run <id>``), once it exists."""
        if self.run_id is None:
            for line in _read(self.out).splitlines():
                if line.startswith("run "):
                    self.run_id = line[4:].strip()
                    break
        return self.run_id

    def error(self) -> str | None:
        """The worker's one-line error, or the last stderr line if it died some other way."""
        if self.running or self.exit_code == 0:
            return None
        lines = [ln for ln in _read(self.err).splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error: ")]
        if errors:
            return errors[-1][len("error: ") :]
        return lines[-1] if lines else f"the worker exited with code {self.exit_code}"

    def describe(self) -> str:
        if self.running:
            return f"{self.action}: working (process {self.process.pid})"
        problem = self.error()
        return f"{self.action}: failed: {problem}" if problem else f"{self.action}: finished"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class JobRunner:
    """Starts workers against one store and remembers them for the pages."""

    def __init__(self, store_url: str, folder: Path | None = None) -> None:
        self.store_url = store_url
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="featureline-ui-")
            folder = Path(self._tmp.name)
        self.folder = folder
        self._jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, action: str, args: list[str], run_id: str | None = None) -> Job:
        number = next(self._ids)
        out = self.folder / f"job-{number}.out"
        err = self.folder / f"job-{number}.err"
        command = [sys.executable, "-m", "featureline.ui.worker", "--store", self.store_url, *args]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL
            )
        job = Job(number, action, process, out, err, run_id)
        with self._lock:
            self._jobs.append(job)
        return job

    def for_run(self, run_id: str) -> Job | None:
        """The latest job of a run (a start job counts once it printed its run id)."""
        with self._lock:
            jobs = list(self._jobs)
        for job in reversed(jobs):
            if job.reported_run() == run_id:
                return job
        return None

    def busy(self, run_id: str) -> Job | None:
        job = self.for_run(run_id)
        return job if job is not None and job.running else None

    def wait_for_run_id(self, job: Job, timeout_s: float) -> str | None:
        """Block until a start job printed its run id, exited, or the timeout passed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if job.reported_run() is not None:
                return job.run_id
            if not job.running:
                return job.reported_run()
            time.sleep(0.1)
        return job.reported_run()

    def stop_all(self) -> None:
        with self._lock:
            jobs = [j for j in self._jobs if j.running]
        for job in jobs:
            job.process.terminate()
        for job in jobs:
            try:
                job.process.wait(_STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                job.process.kill()
                job.process.wait()
        if self._tmp is not None:
            self._tmp.cleanup()
