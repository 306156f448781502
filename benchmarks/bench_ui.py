"""Web UI latency: what a page and one live-progress poll cost, beside `featureline status`.

It fills a SQLite store with N finished runs of the sample request (builtin specialist,
no sandbox), then times, in-process through the app: the runs table (it builds a view of
every run), a run page, the heaviest artifact page (implementation, highlighted), a diff
of two runs, and one poll of the live stream (one view of one run) — each as a ratio to
that single view. Target: a live poll costs one view (ratio ~1); the runs table grows
with N (it is N views), which is why it is not polled.

    python benchmarks/bench_ui.py [--runs N] [--repeat K]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from featureline.api import Pipeline
from featureline.ui import UiSettings, create_app
from featureline.ui.reading import live_state, load_view

REQUEST = Path(__file__).resolve().parents[1] / "examples" / "requests" / "bookmarks.md"


def timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = str(Path(folder) / "bench.sqlite")
        pipeline = Pipeline.load(provider="builtin", store=store, gates="auto", verify=False)
        ids = [pipeline.run(str(REQUEST)).info.run_id for _ in range(args.runs)]
        client = TestClient(create_app(UiSettings(store_url=store)), base_url="http://127.0.0.1")
        client.get("/")  # compile the graph and warm the templates once

        def get(url: str) -> Callable[[], object]:
            def fetch() -> object:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            return fetch

        poll = timed(lambda: live_state(load_view(store, ids[0]), None), args.repeat)
        rows = [
            ("live poll (one view)", poll),
            (f"runs table ({args.runs} runs)", timed(get("/"), args.repeat)),
            ("run page", timed(get(f"/runs/{ids[0]}"), args.repeat)),
            (
                "implementation page",
                timed(get(f"/runs/{ids[0]}/steps/implementation"), args.repeat),
            ),
            ("diff of two runs", timed(get(f"/diff?a={ids[0]}&b={ids[-1]}"), args.repeat)),
        ]
    print(f"{'what':<28} {'median ms':>10} {'x live poll':>12}")
    for name, ms in rows:
        print(f"{name:<28} {ms:>10.1f} {ms / poll:>12.2f}")


if __name__ == "__main__":
    main()
