"""The process that does a web app's long work: start, resume, review or reopen a run.

The app never executes a run in a request handler or in its own process: a worker goes
through the same Python API as the CLI, so it takes the run's lease (its status and pid in
the run index, the review claims) exactly as ``featureline run/resume/review`` do, and a
viewer in the app sees the run as running while the worker lives. Its first stdout line
is ``run <id>`` once the run exists; errors end as one ``error: ...`` line on stderr.

    python -m featureline.ui.worker --store URL start REQUEST_FILE [--graph G] ...
    python -m featureline.ui.worker --store URL resume|review|rewind RUN_ID ...
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from featureline.api import Pipeline, Workspace
from featureline.engine import Engine, RunOptions
from featureline.errors import FeaturelineError, UserInputError
from featureline.providers import PROVIDERS, make_specialist
from featureline.request import read_request
from featureline.store import open_store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="featureline.ui.worker")
    parser.add_argument("--store", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start")
    start.add_argument("request_file")
    start.add_argument("--graph")
    start.add_argument("--gates")
    start.add_argument("--provider")
    start.add_argument("--no-verify", action="store_true")
    start.add_argument("--max-cost")
    resume = sub.add_parser("resume")
    resume.add_argument("run_id")
    review = sub.add_parser("review")
    review.add_argument("run_id")
    review.add_argument("--step", required=True)
    review.add_argument("--attempt", type=int, required=True)
    review.add_argument("--verdict", choices=["approve", "reject", "edit"], required=True)
    review.add_argument("--comment", default="")
    review.add_argument("--edit-file")
    review.add_argument("--reopen")
    review.add_argument("--reviewer", default="web reviewer")
    rewind = sub.add_parser("rewind")
    rewind.add_argument("run_id")
    rewind.add_argument("--step", required=True)
    rewind.add_argument("--comment", default="")
    rewind.add_argument("--reviewer", default="web reviewer")
    return parser


def _stop(signum: int, _frame: object) -> NoReturn:
    """SIGTERM from the app's shutdown: unwind, so the engine marks the run stopped."""
    raise SystemExit(128 + signum)


def _delay() -> float:
    """``FEATURELINE_BUILTIN_DELAY``, as the CLI's ``--builtin-delay`` reads it."""
    try:
        return max(0.0, float(os.environ.get("FEATURELINE_BUILTIN_DELAY") or 0))
    except ValueError:
        raise UserInputError("FEATURELINE_BUILTIN_DELAY must be a number of seconds") from None


def _specialist_for(store_url: str, run_id: str) -> Any:
    """The provider the run was started with (as the CLI's resume/review choose it)."""
    with open_store(store_url) as store:
        recorded = store.runs.get(run_id).provider
    return make_specialist(recorded if recorded in PROVIDERS else None, delay_s=_delay())


def _start(args: argparse.Namespace) -> None:
    feature = read_request(args.request_file)
    pipeline = Pipeline.load(
        args.graph,
        provider=make_specialist(args.provider, delay_s=_delay()),
        store=args.store,
        gates=args.gates,
        verify=not args.no_verify,
        max_cost=Decimal(args.max_cost) if args.max_cost else None,
    )
    options = RunOptions(
        spec=pipeline.spec,
        agents=pipeline.agents,
        gates=pipeline.gates,
        verify=pipeline.verify,
        max_cost=pipeline.max_cost,
    )
    with open_store(args.store) as store:
        engine = Engine(store, pipeline.specialist)
        info = engine.create(feature, options)
        print(f"run {info.run_id}", flush=True)
        view = engine.start(info)
    print(f"status {view.status}", flush=True)


def _review(args: argparse.Namespace) -> None:
    edit: dict[str, Any] | None = None
    if args.verdict == "edit":
        edit = json.loads(Path(args.edit_file).read_text(encoding="utf-8"))
    workspace = Workspace(_specialist_for(args.store, args.run_id), store=args.store)
    view = workspace.review(
        args.run_id,
        approve=args.verdict == "approve",
        reject=args.comment if args.verdict == "reject" else None,
        edit=edit,
        step=args.step,
        attempt=args.attempt,
        reopen=args.reopen,
        reviewer=args.reviewer,
        comment=args.comment if args.verdict != "reject" else "",
    )
    print(f"status {view.status}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    try:
        if args.command == "start":
            _start(args)
        elif args.command == "resume":
            print(f"run {args.run_id}", flush=True)
            workspace = Workspace(_specialist_for(args.store, args.run_id), store=args.store)
            print(f"status {workspace.resume(args.run_id).status}", flush=True)
        elif args.command == "rewind":
            print(f"run {args.run_id}", flush=True)
            workspace = Workspace(_specialist_for(args.store, args.run_id), store=args.store)
            view = workspace.rewind(
                args.run_id, args.step, comment=args.comment, reviewer=args.reviewer
            )
            print(f"status {view.status}", flush=True)
        else:
            print(f"run {args.run_id}", flush=True)
            _review(args)
    except FeaturelineError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except (OSError, ValueError) as exc:
        print(f"error: {UserInputError(str(exc))}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
