"""Rendering pages: one Jinja environment, autoescaped, and the context every page gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from featureline.ui.security import CSRF_FIELD

HERE = Path(__file__).parent


def template_env() -> Environment:
    """Autoescape everywhere: artifact and request text is a model's or a user's, never markup."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["csrf_field"] = CSRF_FIELD
    return env


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    html = env.get_template(name).render(
        request=request, csrf_token=request.state.csrf_token, **context
    )
    return HTMLResponse(html, status_code=status_code)
