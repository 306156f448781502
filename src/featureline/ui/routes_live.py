"""Server-sent events: a run's live state, read from the store about once a second and
sent when it changed, so a run started anywhere (this app, the CLI, another machine on
the same PostgreSQL) shows its progress without page reloads."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from featureline.errors import FeaturelineError
from featureline.ui.reading import live_state, load_view
from featureline.ui.routes_read import jobs, store_url

router = APIRouter()
POLL_S = 1.0
KEEPALIVE_EVERY = 15


@router.get("/runs/{run_id}/events")
async def run_events(request: Request, run_id: str) -> StreamingResponse:
    await run_in_threadpool(
        load_view, store_url(request), run_id
    )  # an unknown run is a 404 now, not a dead stream
    return StreamingResponse(
        _stream(request, run_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(request: Request, run_id: str) -> AsyncIterator[str]:
    last: str | None = None
    quiet = 0
    url = store_url(request)
    stopping: threading.Event = request.app.state.stopping
    while not stopping.is_set() and not await request.is_disconnected():
        try:
            view = await run_in_threadpool(load_view, url, run_id)
            job = jobs(request).for_run(run_id)
            data = json.dumps(live_state(view, job.describe() if job else None))
        except FeaturelineError as exc:
            data = json.dumps({"error": str(exc)})
        if data != last:
            last, quiet = data, 0
            yield f"event: state\ndata: {data}\n\n"
        else:
            quiet += 1
            if quiet >= KEEPALIVE_EVERY:
                quiet = 0
                yield ": keepalive\n\n"
        await asyncio.sleep(POLL_S)
