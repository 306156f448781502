"""featureline: a feature request through a backend specialist's eight steps.

The public names are imported on first use (PEP 562), so ``import featureline.x`` and the
CLI's ``--help`` do not pay for LangGraph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from featureline.api import Pipeline, Workspace
    from featureline.errors import FeaturelineError
    from featureline.request import FeatureRequest

__all__ = ["FeatureRequest", "FeaturelineError", "Pipeline", "Workspace"]
__version__ = "0.1.0"

_LAZY = {
    "Pipeline": "featureline.api",
    "Workspace": "featureline.api",
    "FeaturelineError": "featureline.errors",
    "FeatureRequest": "featureline.request",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'featureline' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
