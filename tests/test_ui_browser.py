"""The review UI in real Chromium (Debian's, driven by Playwright): start a run from the
page, follow it live to its first gate, read every artifact kind, reject with a comment,
see the new attempt and its diff, approve to the end; hostile request text stays text.

Slow (workers are real processes through the engine); waits are generous because the
machines that run this are loaded. Screenshots go to $FEATURELINE_UI_SCREENSHOTS if set.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUESTS

pytest.importorskip("playwright")
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

import uvicorn  # noqa: E402
from playwright.sync_api import Dialog, Page, expect, sync_playwright  # noqa: E402

from featureline.ui import UiSettings, create_app  # noqa: E402

pytestmark = pytest.mark.slow
WAIT_MS = 240_000  # a worker starts a Python process and runs a step on a busy machine
HOSTILE = "Show <script>alert(1)</script> and [/x] to users as plain text, with a title."
KIND_MARKS = {
    "requirements": "mark",
    "design": "figure.diagram svg",
    "schema": "details.ddl pre.hl",
    "api_spec": "details.op",
    "implementation": ".code-tree pre.hl span",
    "testing": "#tests-per-requirement",
    "performance": "table",
    "docs": "pre.prose",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = UiSettings(store_url=str(tmp_path / "ui.sqlite"), port=port)
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    app_server = uvicorn.Server(config)
    thread = threading.Thread(target=app_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not app_server.started:
        assert time.monotonic() < deadline, "the UI server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    app.state.stopping.set()
    app_server.should_exit = True
    thread.join(60)


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1300, "height": 900})
        context.set_default_timeout(WAIT_MS)
        tab = context.new_page()
        yield tab
        browser.close()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("FEATURELINE_UI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
        if page.locator("#artifact").count():
            page.locator("#artifact").scroll_into_view_if_needed()
            page.screenshot(path=str(Path(folder) / f"{name}-artifact.png"))
            page.evaluate("window.scrollTo(0, 0)")


def start_run(page: Page, base: str, text: str) -> str:
    page.goto(f"{base}/runs/new")
    page.fill("textarea[name=request]", text)
    page.select_option("select[name=gates]", "human")
    page.select_option("select[name=provider]", "builtin")
    page.uncheck("input[name=verify]")
    shot(page, "new-run")
    page.click("#new-run button[type=submit]")
    page.wait_for_url(f"{base}/runs/*")
    run_id = page.url.rsplit("/", 1)[1]
    assert run_id
    return run_id


def wait_idle_gate(page: Page) -> None:
    """The live panel shows a waiting gate and no decision still being carried out."""
    expect(page.locator("#live-inner[data-busy='0'] a.gate-link").first).to_be_visible(
        timeout=WAIT_MS
    )


def test_follow_a_run_review_every_artifact_and_approve_to_the_end(server: str, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    request = (REQUESTS / "bookmarks.md").read_text(encoding="utf-8")
    run_id = start_run(page, server, request)

    # Live: the graph's first node turns to awaiting_review without a reload.
    page.evaluate("window.__sameDocument = true")
    node = page.locator('g.node[data-step="requirements"]')
    expect(node).to_have_class("node st-awaiting_review", timeout=WAIT_MS)
    wait_idle_gate(page)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    shot(page, "run-first-gate")

    # Reject with a comment, then see the new attempt and the diff between the two.
    page.click("a.gate-link")
    expect(page.locator("#artifact mark").first).to_be_visible()
    shot(page, "step-requirements")
    page.fill("#reject-form textarea[name=comment]", "Add a requirement to export bookmarks")
    page.click("#reject")
    page.wait_for_url(f"{server}/runs/{run_id}")
    expect(page.locator('[data-status-of="requirements"]')).to_contain_text("#2", timeout=WAIT_MS)
    wait_idle_gate(page)
    page.click("a.gate-link")
    expect(page.locator(".attempts a.current")).to_contain_text("attempt 2")
    expect(page.locator("ul.feedback")).to_contain_text("export bookmarks")
    page.click("a.difflink")
    expect(page.locator("#diff-summary")).to_contain_text("@1")
    expect(page.locator("pre.diff span.add").first).to_be_visible()
    shot(page, "diff-attempts")
    page.go_back()

    # Approve every gate in turn, reading each kind of artifact on the way.
    seen: set[str] = set()
    for _ in range(12):
        page.click("#approve")
        page.wait_for_url(f"{server}/runs/{run_id}")
        status = page.locator("#live-inner")
        expect(status).to_have_attribute("data-busy", "0", timeout=WAIT_MS)
        expect(page.locator("#live-inner:not([data-status='running'])")).to_be_attached(
            timeout=WAIT_MS
        )
        if page.locator("#live-inner[data-status='done']").count():
            break
        wait_idle_gate(page)
        page.click("a.gate-link")
        step = page.url.split("/steps/")[1].split("?")[0]
        expect(page.locator(f"#artifact {KIND_MARKS[step]}").first).to_be_visible()
        if step == "design":
            expect(page.locator("body[data-mermaid='drawn']")).to_be_attached()
        seen.add(step)
        shot(page, f"step-{step}")
    assert seen == set(KIND_MARKS) - {"requirements"}
    expect(page.locator("#run-status")).to_have_text("done")
    shot(page, "run-done")

    page.goto(f"{server}/?status=done")
    expect(page.locator(f'tr[data-run="{run_id}"]')).to_contain_text("done")
    shot(page, "runs-table")
    assert dialogs == []


def _recorder(dialogs: list[str]) -> Callable[[Dialog], None]:
    """A dialog handler that records the message and dismisses it (a script ran)."""

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    return record


def test_hostile_request_text_is_shown_literally(server: str, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    start_run(page, server, HOSTILE)
    expect(page.locator("#request-text")).to_have_text(HOSTILE)
    expect(page.locator('g.node[data-step="requirements"]')).to_have_class(
        "node st-awaiting_review", timeout=WAIT_MS
    )
    wait_idle_gate(page)
    page.click("a.gate-link")
    expect(page.locator("#artifact .request-text")).to_contain_text("<script>alert(1)</script>")
    assert page.locator("script:not([src])").count() == 0
    shot(page, "hostile-request")
    assert dialogs == []


def test_chromium_is_the_debian_one() -> None:
    assert shutil.which("chromium") == CHROMIUM
