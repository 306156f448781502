from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from featureline.errors import PipelineFileError
from featureline.paths import resolve_pipeline_path
from featureline.pipeline import load_pipeline


def test_default_pipeline_has_two_parallel_stages() -> None:
    spec = load_pipeline(resolve_pipeline_path(None))
    assert spec.step_ids == (
        "requirements",
        "design",
        "schema",
        "api_spec",
        "implementation",
        "testing",
        "performance",
        "docs",
    )
    assert spec.stages() == [
        ["requirements"],
        ["design"],
        ["schema", "api_spec"],
        ["implementation"],
        ["testing", "performance", "docs"],
    ]
    assert spec.step("schema").inputs == ("requirements", "design")


def test_sequential_variant_follows_the_specialists_list() -> None:
    spec = load_pipeline(resolve_pipeline_path("backend-feature-sequential"))
    assert [stage for stage in spec.stages()] == [[s] for s in spec.step_ids]
    # ordering alone does not widen what a step sees
    assert spec.step("api_spec").inputs == ("requirements", "design")


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ([{"id": "requirements", "inputs": ["dezign"]}], "needs unknown step 'dezign'"),
        ([{"id": "requirements", "inputs": ["requirements"]}], "depends on itself"),
        ([{"id": "requirements"}, {"id": "requirements"}], "defined twice"),
        ([{"id": "requirements", "kind": "poetry"}], "unknown kind 'poetry'"),
        ([{"id": "requirements", "gate": "maybe"}], "steps.0.gate"),
        ([{"id": "requirements", "inputz": []}], "Extra inputs are not permitted"),
        ([{"id": "requirements", "max_attempts": 0}], "max_attempts"),
    ],
)
def test_invalid_pipelines_get_one_clear_line(
    tmp_path: Path, steps: list[dict[str, object]], problem: str
) -> None:
    path = _write(tmp_path, {"name": "p", "steps": steps})
    with pytest.raises(PipelineFileError) as error:
        load_pipeline(path)
    assert problem in str(error.value)
    assert str(path) in str(error.value)


def test_cycle_is_named(tmp_path: Path) -> None:
    steps = [
        {"id": "requirements", "after": ["docs"]},
        {"id": "design", "inputs": ["requirements"]},
        {"id": "docs", "inputs": ["design"]},
    ]
    path = _write(tmp_path, {"name": "p", "steps": steps})
    with pytest.raises(PipelineFileError, match="cycle"):
        load_pipeline(path)


def test_broken_yaml_missing_file_and_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(PipelineFileError, match="broken YAML at line"):
        load_pipeline(_write(tmp_path, "name: p\nsteps: [\n"))
    with pytest.raises(PipelineFileError, match="file not found"):
        load_pipeline(tmp_path / "none.yaml")
    with pytest.raises(PipelineFileError, match="mapping"):
        load_pipeline(_write(tmp_path, "- just\n- a list\n"))
