"""The app: settings, templates, static files, the security middleware and the routes."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

from featureline.errors import FeaturelineError, UnknownRunError
from featureline.ui import routes_decide, routes_live, routes_read
from featureline.ui.jobs import JobRunner
from featureline.ui.pages import render, template_env
from featureline.ui.security import Refusal, guard
from featureline.ui.settings import UiSettings

HERE = Path(__file__).parent


def create_app(settings: UiSettings, jobs: JobRunner | None = None) -> FastAPI:
    """The app over ``settings.store_url``; ``jobs`` starts the workers (one is made)."""
    runner = jobs or JobRunner(settings.store_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            _app.state.stopping.set()
            runner.stop_all()

    app = FastAPI(
        title="featureline", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.settings = settings
    app.state.jobs = runner
    app.state.stopping = threading.Event()  # set by the server on shutdown: streams end
    app.state.templates = template_env()
    app.middleware("http")(guard)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(routes_read.router)
    app.include_router(routes_decide.router)
    app.include_router(routes_live.router)

    @app.exception_handler(UnknownRunError)
    async def _unknown(request: Request, exc: UnknownRunError) -> Response:
        return render(request, "error.html", 404, message=str(exc))

    @app.exception_handler(FeaturelineError)
    async def _refused(request: Request, exc: FeaturelineError) -> Response:
        return render(request, "error.html", 400 if exc.exit_code == 2 else 500, message=str(exc))

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> Response:
        return render(request, "error.html", exc.status, message=exc.message)

    return app
