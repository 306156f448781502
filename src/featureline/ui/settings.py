"""How the web app is served: where, over which store, and who may use it."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field

from featureline.errors import UserInputError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """True for a bind address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class UiSettings:
    """``token`` is required unless ``host`` is loopback: anyone who can reach a wider
    bind could otherwise read every run and decide at its gates."""

    store_url: str
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """Signs CSRF tokens; new per server start, so a restart invalidates open forms."""

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < 8:
            raise UserInputError("--token must be at least 8 characters")
        if not is_loopback(self.host) and not self.token:
            raise UserInputError(
                f"--host {self.host} is reachable from other machines: give --token T "
                "(or bind 127.0.0.1)"
            )
