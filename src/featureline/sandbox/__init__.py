"""The subprocess sandbox generated code runs in (DESIGN rule 7).

See ``featureline.sandbox.runner`` for what is and is not enforced.
"""

from featureline.sandbox.limits import SandboxLimits
from featureline.sandbox.network import GUARD, NAMESPACE, namespace_support
from featureline.sandbox.result import SandboxError, SandboxResult
from featureline.sandbox.runner import Sandbox
from featureline.sandbox.server import SandboxServer

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
