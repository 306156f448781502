"""featureline: a feature request through a backend specialist's eight steps."""

from featureline.api import Pipeline, Workspace
from featureline.errors import FeaturelineError
from featureline.request import FeatureRequest

__all__ = ["FeatureRequest", "FeaturelineError", "Pipeline", "Workspace"]
__version__ = "0.1.0"
