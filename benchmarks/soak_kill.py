"""Soak: kill -9 verified runs at random moments, resume them, count what is left behind.

For each of N rounds it starts ``featureline run REQUEST`` (builtin specialist, sandbox
verification on), sends SIGKILL at a random step event (weighted towards the steps that
run generated code), checks which sandboxed processes are still alive two seconds later,
then ``featureline resume RUN`` until done. It reports:

* runs identical — the resumed run's approved artifacts hash the same as an uninterrupted
  reference run of the same request (the builtin specialist is deterministic);
* steps re-run — steps that started again after the kill (the one in flight, by design);
* processes alive 2 s after kill -9, and processes, cgroups and sandbox temp dirs left
  after the resume (all must be 0).

Bounded (``--runs``, default 30) and not part of ``make test``:

    python benchmarks/soak_kill.py [--runs 30] [--seed 1] [--requests 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from featureline.api import Workspace
from featureline.sandbox.cgroups import PREFIX, _probe
from featureline.sandbox.reaper import OWNER_ENV
from featureline.sandbox.workroot import ROOT_PREFIX

REQUESTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "requests").glob("*.md"))
# kill points: the start of these steps (sandbox work runs at their gates and after)
KILL_STEPS = ["design", "implementation", "testing", "performance", "docs"]


def featureline(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "featureline", "--log-json", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def sandbox_processes(owner_pids: set[int]) -> list[int]:
    """Live processes started by the sandboxes of this soak's featureline processes (they
    carry their owner's token; other featurelines on the machine are not counted)."""
    marker = f"{OWNER_ENV}=".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state in ("Z", "X"):
            continue
        for item in environ.split(b"\0"):
            if item.startswith(marker):
                owner = item[len(marker) :].split(b"-")[0]
                if owner.isdigit() and int(owner) in owner_pids:
                    found.append(int(entry.name))
    return found


def leftovers(owner_pids: set[int]) -> tuple[list[str], list[str]]:
    """(cgroups, temp roots) created by the featureline processes of this soak."""
    cgroups = []
    for controller in _probe()[0]:
        for path in controller.parent.glob(f"{PREFIX}*"):
            if int(path.name[len(PREFIX) :].split("-")[0]) in owner_pids:
                cgroups.append(str(path))
    roots = [
        str(p)
        for p in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*")
        if p.name[len(ROOT_PREFIX) :].split("-")[0].isdigit()
        and int(p.name[len(ROOT_PREFIX) :].split("-")[0]) in owner_pids
    ]
    return cgroups, roots


def approved_hashes(store: str, run_id: str) -> dict[str, str]:
    view = Workspace(store=store).status(run_id)
    return {s.id: s.approved.content_hash for s in view.steps if s.approved is not None}


def started_steps(stderr: str) -> Counter[str]:
    steps: Counter[str] = Counter()
    for line in stderr.splitlines():
        if line.startswith("{"):
            event = json.loads(line)
            if event.get("event") == "step.started":
                steps[str(event["step"])] += 1
    return steps


def reference(request: Path, env: dict[str, str], cwd: Path) -> dict[str, str]:
    proc = featureline("run", str(request), env=env, cwd=cwd)
    _, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"reference run of {request.name} failed: {err[-500:]}")
    run_id = next(
        str(json.loads(line)["run_id"])
        for line in err.splitlines()
        if line.startswith("{") and "run_id" in json.loads(line)
    )
    return approved_hashes(env["FEATURELINE_STORE"], run_id)


def one_round(
    request: Path, kill_at: str, env: dict[str, str], cwd: Path, owners: set[int]
) -> dict[str, object]:
    first = featureline("run", str(request), env=env, cwd=cwd)
    owners.add(first.pid)
    assert first.stderr is not None
    lines, run_id, killed = [], "", False
    while True:
        line = first.stderr.readline()
        if not line:
            break
        lines.append(line)
        event = json.loads(line) if line.startswith("{") else {}
        run_id = str(event.get("run_id") or run_id)
        if event.get("event") == "step.started" and event.get("step") == kill_at:
            time.sleep(random.uniform(0.0, 3.0))  # somewhere inside the step or its gate
            first.send_signal(signal.SIGKILL)
            killed = True
            break
    first.wait()
    time.sleep(2.0)
    alive_after_kill = len(sandbox_processes(owners))
    resumed_steps: Counter[str] = Counter()
    attempts = 0
    while True:
        attempts += 1
        resume = featureline("resume", run_id, env=env, cwd=cwd)
        owners.add(resume.pid)
        _, err = resume.communicate(timeout=900)
        resumed_steps += started_steps(err)
        if resume.returncode == 0 or attempts >= 3:
            break
    before = started_steps("".join(lines))
    rerun = sum(1 for step in resumed_steps if before[step])
    time.sleep(0.5)
    cgroups, roots = leftovers(owners)
    return {
        "run_id": run_id,
        "killed": killed,
        "resumed_ok": resume.returncode == 0,
        "steps_rerun": rerun,
        "alive_after_kill": alive_after_kill,
        "processes_left": len(sandbox_processes(owners)),
        "cgroups_left": len(cgroups),
        "roots_left": len(roots),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2, help="distinct sample requests")
    args = parser.parse_args()
    random.seed(args.seed)
    work = Path(tempfile.mkdtemp(prefix="featureline-soak-"))
    # a little simulated model latency, so a kill can land inside a step as well as a gate
    env = {
        **os.environ,
        "FEATURELINE_STORE": str(work / "soak.sqlite"),
        "FEATURELINE_BUILTIN_DELAY": "0.5",
    }
    env.pop("ANTHROPIC_API_KEY", None)
    requests = REQUESTS[: args.requests]
    started = time.monotonic()
    print(f"soak: {args.runs} kill -9 rounds over {len(requests)} request(s), store {work}")
    refs = {r: reference(r, env, work) for r in requests}
    print(f"reference runs done in {time.monotonic() - started:.0f}s")
    owners: set[int] = set()
    totals: Counter[str] = Counter()
    for n in range(1, args.runs + 1):
        request = random.choice(requests)
        kill_at = random.choice(KILL_STEPS)
        result = one_round(request, kill_at, env, work, owners)
        identical = (
            result["resumed_ok"]
            and approved_hashes(env["FEATURELINE_STORE"], str(result["run_id"])) == refs[request]
        )
        totals["identical"] += int(bool(identical))
        totals["killed"] += int(bool(result["killed"]))
        for key in (
            "steps_rerun",
            "alive_after_kill",
            "processes_left",
            "cgroups_left",
            "roots_left",
        ):
            totals[key] += int(result[key])  # type: ignore[call-overload]
        print(
            f"{n:>3} {request.stem:<16} kill at {kill_at:<15} "
            f"identical={bool(identical)} rerun={result['steps_rerun']} "
            f"alive-after-kill={result['alive_after_kill']} "
            f"left: processes={result['processes_left']} cgroups={result['cgroups_left']} "
            f"dirs={result['roots_left']}",
            flush=True,
        )
    n = args.runs
    print(
        f"\nrounds {n}, killed mid-run {totals['killed']}, runs identical "
        f"{totals['identical']}/{n}, steps re-run {totals['steps_rerun']} "
        f"({totals['steps_rerun'] / n:.2f} per kill), sandbox processes alive 2 s after "
        f"kill -9: {totals['alive_after_kill']}, left after resume: processes "
        f"{totals['processes_left']}, cgroups {totals['cgroups_left']}, temp dirs "
        f"{totals['roots_left']}  ({time.monotonic() - started:.0f}s)"
    )
    clean = (
        totals["identical"] == n
        and totals["processes_left"] == 0
        and totals["cgroups_left"] == 0
        and totals["roots_left"] == 0
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
