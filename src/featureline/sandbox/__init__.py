"""The subprocess sandbox generated code runs in (DESIGN rule 7).

See ``featureline.sandbox.runner`` for what is and is not enforced. The public names load
on first use (PEP 562): ``featureline.sandbox.owner`` (is a pid alive?) serves the lease
and reading commands without loading the runner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from featureline.sandbox.limits import SandboxLimits
    from featureline.sandbox.network import GUARD, NAMESPACE, namespace_support
    from featureline.sandbox.result import SandboxError, SandboxResult
    from featureline.sandbox.runner import Sandbox
    from featureline.sandbox.server import SandboxServer

_LAZY = {
    "GUARD": "featureline.sandbox.network",
    "NAMESPACE": "featureline.sandbox.network",
    "namespace_support": "featureline.sandbox.network",
    "Sandbox": "featureline.sandbox.runner",
    "SandboxError": "featureline.sandbox.result",
    "SandboxLimits": "featureline.sandbox.limits",
    "SandboxResult": "featureline.sandbox.result",
    "SandboxServer": "featureline.sandbox.server",
}

__all__ = [
    "GUARD",
    "NAMESPACE",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "SandboxServer",
    "namespace_support",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'featureline.sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
