"""Where the default agents and pipelines live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DATA = Path(__file__).parent / "data"
_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_PIPELINE = "backend-feature"
DEFAULT_STORE_PATH = Path(".featureline") / "runs.sqlite"


def _data_dir(name: str) -> Path:
    installed = _PACKAGE_DATA / name
    if installed.is_dir():
        return installed
    return _CHECKOUT_ROOT / name


def default_agents_dir() -> Path:
    return _data_dir("agents")


def default_graphs_dir() -> Path:
    return _data_dir("graphs")


def resolve_pipeline_path(graph: str | Path | None) -> Path:
    """A YAML path, or the name of a shipped pipeline ('backend-feature-sequential')."""
    if graph is None:
        return default_graphs_dir() / f"{DEFAULT_PIPELINE}.yaml"
    path = Path(graph)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        return path
    return default_graphs_dir() / f"{graph}.yaml"
