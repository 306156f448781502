"""A local web app to follow runs, read their artifacts and decide at their gates.

It reads the same store as the CLI and hands every write (start, resume, review) to a
worker process that goes through the same engine, so there is one source of truth.
"""

from featureline.ui.app import create_app
from featureline.ui.settings import UiSettings

__all__ = ["UiSettings", "create_app"]
