"""Run a feature request through featureline from Python, then read and export its artifacts.

python examples/python_api.py [REQUEST] [--store PATH]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from featureline import Pipeline
from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact, SchemaArtifact

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("request", nargs="?", default=str(HERE / "requests" / "bookmarks.md"))
    parser.add_argument(
        "--store", default=None, help="store URL (default: .featureline/runs.sqlite)"
    )
    args = parser.parse_args()

    pipeline = Pipeline.load("backend-feature", provider="builtin", store=args.store)
    view = pipeline.run(args.request)
    print(f"run {view.info.run_id}: {view.status}")

    artifacts = pipeline.artifacts(view.info.run_id)
    requirements = artifacts["requirements"]
    schema = artifacts["schema"]
    api = artifacts["api_spec"]
    assert isinstance(requirements, RequirementsArtifact)
    assert isinstance(schema, SchemaArtifact)
    assert isinstance(api, ApiSpecArtifact)
    print(
        f"{len(requirements.functional)} functional requirements, "
        f"e.g. {requirements.functional[0].id}: "
        f"{requirements.functional[0].title}"
    )
    print(f"tables: {', '.join(t.name for t in schema.tables)}")
    print(
        f"endpoints: {len(api.endpoints)}, e.g. {api.endpoints[0].method} {api.endpoints[0].path}"
    )

    with tempfile.TemporaryDirectory() as out:
        written = pipeline.export(view.info.run_id, out)
        print(f"exported {len(written)} files")


if __name__ == "__main__":
    main()
