"""featureline's pytest plugin: registers ``@pytest.mark.requirement("FR-n")`` and records
the FR ids of every test as JUnit XML properties named ``featureline_requirement`` (and
its node id as ``featureline_nodeid``, the test id featureline reports).

featureline loads it with ``-p`` from a path it writes itself, so the generated tests'
own conftest can neither omit nor replace it.
"""

import re
from typing import Any

import pytest

MARKER = "requirement"
PROPERTY = "featureline_requirement"
NODEID = "featureline_nodeid"
_ID = re.compile(r"^(FR|NFR)-\d+$")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requirement(*ids): the requirements (FR-n) whose acceptance criteria it checks"
    )


def _ids(values: Any) -> list[str]:
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            found += [part for part in re.split(r"[,\s]+", value) if _ID.match(part)]
        elif isinstance(value, list | tuple | set):
            found += _ids(value)
    return found


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        ids: list[str] = []
        for mark in item.iter_markers(MARKER):
            ids += _ids(mark.args) + _ids(mark.kwargs.values())
        item.user_properties[:] = [
            p for p in item.user_properties if p[0] not in (PROPERTY, NODEID)
        ]
        item.user_properties.append((NODEID, item.nodeid))
        item.user_properties += [(PROPERTY, rid) for rid in dict.fromkeys(ids)]
