"""The sandbox environment: built from scratch, never inherited, never carrying secrets."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

SAFE_PATH_DIRS = ("/usr/local/bin", "/usr/bin", "/bin")

# Names we never pass on, whatever the caller asks for.
_SECRET_NAME = re.compile(
    r"""(
        (^|_)(API_?KEY|KEY|KEYS|TOKEN|TOKENS|SECRET|SECRETS|CREDENTIALS?|PASSWORD|PASSWD
              |PASSPHRASE|AUTH|AUTHORIZATION|COOKIE|PRIVATE)($|_)
      | PASSWORD | SECRET | TOKEN | APIKEY
      | ^(AWS|AZURE|GCP|GOOGLE|ANTHROPIC|OPENAI|GITHUB|GH|GITLAB|HF|HUGGING_?FACE|NPM|PYPI
           |TWINE|DOCKER|SSH|GPG|VAULT|SLACK|STRIPE|SENTRY|DATABRICKS|CLAUDE)_
      | ^(SSH_AUTH_SOCK|KUBECONFIG|NETRC|PGPASSFILE)$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Values that carry a credential whatever their name: URLs with user:password@.
_SECRET_VALUE = re.compile(r"://[^/\s:@]+:[^/\s@]+@|^sk-[A-Za-z0-9_-]{8,}")

# Names the sandbox owns; a caller cannot override them.
RESERVED = frozenset(
    {
        "HOME",
        "TMPDIR",
        "TMP",
        "TEMP",
        "PYTHONNOUSERSITE",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONHASHSEED",
        "PYTHONSTARTUP",
        "FEATURELINE_SANDBOX_NET",
        "FEATURELINE_SANDBOX_WRITE_ROOTS",
    }
)


def is_secret(name: str, value: str = "") -> bool:
    """Whether a variable looks like it carries a secret (by name or by value)."""
    return bool(_SECRET_NAME.search(name) or (value and _SECRET_VALUE.search(value)))


def build_env(
    *,
    workdir: Path,
    tmpdir: Path,
    python_bin_dir: Path,
    guard_dir: Path,
    net_mode: str,
    extra: Mapping[str, str] | None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The child's whole environment, plus the names of caller variables we refused.

    PYTHONPATH is ``guard_dir:workdir[:caller's PYTHONPATH]``: the guard's
    ``sitecustomize`` loads first (and shadows any other sitecustomize) and the
    generated package imports from the workdir wherever the process runs from.
    """
    env = {
        "PATH": os.pathsep.join([str(python_bin_dir), *SAFE_PATH_DIRS]),
        "HOME": str(workdir),
        "TMPDIR": str(tmpdir),
        "TMP": str(tmpdir),
        "TEMP": str(tmpdir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "PYTHONUTF8": "1",
        "PYTHONIOENCODING": "utf-8",
        "FEATURELINE_SANDBOX_NET": net_mode,
        "FEATURELINE_SANDBOX_WRITE_ROOTS": str(workdir),
    }
    dropped: list[str] = []
    caller_pythonpath = ""
    for name, value in (extra or {}).items():
        if not name or "=" in name or "\x00" in name or "\x00" in value:
            raise ValueError(f"invalid environment variable name or value: {name!r}")
        if is_secret(name, value):
            dropped.append(name)
        elif name == "PYTHONPATH":
            caller_pythonpath = value
        elif name not in RESERVED:
            env[name] = value
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(guard_dir), str(workdir), caller_pythonpath) if p
    )
    return env, tuple(sorted(dropped))
