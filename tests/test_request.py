from __future__ import annotations

from pathlib import Path

import pytest

from featureline.errors import InvalidRequestError
from featureline.request import parse_request, read_request, slugify
from tests.conftest import REQUESTS


def test_front_matter_title_and_hints() -> None:
    request = parse_request(
        "---\ntitle: Bookmarks\ndialect: postgresql\n---\nUsers save bookmarks."
    )
    assert request.title == "Bookmarks"
    assert request.hints == {"dialect": "postgresql"}
    assert request.text == "Users save bookmarks."


def test_title_from_heading_or_first_words() -> None:
    assert parse_request("# Event booking\nOrganisers publish events.").title == "Event booking"
    assert parse_request("Users can save bookmarks with a URL, a title and tags").title == (
        "Users can save bookmarks"
    )


def test_sample_file_is_read() -> None:
    request = read_request(str(REQUESTS / "bookmarks.md"))
    assert request.title == "Personal bookmarks"
    assert request.source.endswith("bookmarks.md")


@pytest.mark.parametrize("text", ["", "   \n\t", "---\ntitle: only a title\n---\n"])
def test_empty_request_is_refused(text: str) -> None:
    with pytest.raises(InvalidRequestError, match="empty"):
        parse_request(text)


def test_binary_missing_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InvalidRequestError, match="binary"):
        read_request(str(binary))
    with pytest.raises(InvalidRequestError, match="not found"):
        read_request(str(tmp_path / "missing.md"))
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 orders".encode("latin-1"))
    with pytest.raises(InvalidRequestError, match="UTF-8"):
        read_request(str(latin))


def test_slugify() -> None:
    assert slugify("Personal bookmarks") == "personal-bookmarks"
    assert slugify("!!!") == "run"
