"""Step 8: documentation."""

from __future__ import annotations

from typing import ClassVar

from featureline.artifacts.base import Artifact, Part


class AdrEntry(Part):
    id: str
    title: str
    status: str


class DocsArtifact(Artifact):
    step: ClassVar[str] = "docs"

    readme: str
    api_reference: str
    runbook: str
    adr_index: list[AdrEntry]
