"""`clearance catalog check-sources` against a real HTTP server on loopback serving fixture
pages: a quote kept (split across tags, entities, typography), a changed sentence, a removed
quote, 404, a redirect, a timeout, a 500 and a page larger than the read cap."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.catalog.pagetext import fragments, page_text, quote_on_page
from registry.catalog.sourcecheck import USER_AGENT, check_sources, failing

QUOTE = "We never train our models on the content of your API requests."
PRESENT = (
    "<!doctype html><html><head><style>p {color: red}</style><script>var x = 1;</script>"
    "</head><body><p>We <b>never</b> train our models on the content of your "
    "API&nbsp;requests.</p><p>Prompts are deleted after 30&nbsp;days.</p></body></html>"
)
CHANGED = "<html><body><p>We may train our models on the content of your API requests.</p>"
REMOVED = "<html><body><p>Our terms were updated. See the new policy.</p></body></html>"
HUGE_FILLER = "<p>" + "filler text " * 10 + "</p>\n"


class _Fixtures(BaseHTTPRequestHandler):
    agents: list[str] = []
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.agents.append(self.headers.get("User-Agent", ""))
            cls.in_flight += 1
            cls.peak = max(cls.peak, cls.in_flight)
        try:
            self._answer()
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def _answer(self) -> None:
        path = self.path
        if path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/present")
            self.end_headers()
            return
        if path == "/slow":
            time.sleep(6.0)  # well past the 3 s timeout even on a loaded machine
        if path == "/gone":
            self._send(404, "<html><body>Not found</body></html>")
        elif path == "/error":
            self._send(500, "boom")
        elif path.startswith("/present") or path == "/slow":
            time.sleep(0.2)  # lets concurrent fetches overlap
            self._send(200, PRESENT)
        elif path == "/changed":
            self._send(200, CHANGED)
        elif path == "/removed":
            self._send(200, REMOVED)
        elif path == "/huge-start":
            self._send(200, PRESENT + HUGE_FILLER * 50_000)
        elif path == "/huge-end":
            self._send(200, "<html>" + HUGE_FILLER * 50_000 + PRESENT)
        elif path == "/plain.md":
            self._send(200, "We **never** train our models on the content of\nyour API requests.")
        else:
            self._send(404, "")

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server() -> Iterator[str]:
    _Fixtures.agents = []
    _Fixtures.peak = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Fixtures)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _evidence(url: str, facts: str, quote: str | None = QUOTE) -> str:
    entry = (
        f"  - url: {url}\n    as_of: 2026-12-01\n    facts: [{facts}]\n    trust: self-declared\n"
    )
    return entry + (f"    quote: {json.dumps(quote)}\n" if quote else "")


def _catalog(root: Path, base: str, pages: list[tuple[str, str]]) -> Path:
    body = "id: p\nname: P\ntraining_on_customer_data: never\nevidence:\n"
    body += "".join(_evidence(f"{base}{path}", facts) for path, facts in pages)
    (root / "providers").mkdir(parents=True)
    (root / "providers" / "p.yaml").write_text(body)
    return root


def test_page_text_strips_html_and_normalizes() -> None:
    text = page_text(PRESENT, "text/html")
    assert "var x" not in text and "color: red" not in text
    assert quote_on_page(QUOTE, text)
    assert quote_on_page("Prompts are deleted after 30 days.", text)
    assert not quote_on_page("Prompts are deleted after 31 days.", text)
    # curly quotes, ellipses and our own reading: only the source's words must be on the page
    reading = "P: \u201cWe never train our models\u2026API requests.\u201d Our reading: never."
    assert fragments(reading) == ["we never train our models", "api requests."]
    assert quote_on_page(reading, text)
    assert not quote_on_page("too short", text)  # nothing checkable is not "present"


def test_every_state_is_reported_and_a_gone_high_stakes_quote_fails(
    server: str, tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    pages = [
        ("/present", "training_on_customer_data"),
        ("/moved", "training_on_customer_data"),
        ("/changed", "training_on_customer_data"),
        ("/removed", "certifications"),
        ("/gone", "training_on_customer_data"),
        ("/slow", "training_on_customer_data"),
        ("/error", "hosts"),
        ("/plain.md", "training_on_customer_data"),
    ]
    root = _catalog(tmp_path, server, pages)
    result = runner.invoke(
        app,
        ["catalog", "check-sources", "--catalog", str(root), "--format", "json", "--timeout", "3"],
    )
    assert result.exit_code == ExitCode.FAILED, result.output
    found = {r["url"].removeprefix(server): r for r in json.loads(result.stdout)["results"]}
    assert {path: found[path]["status"] for path, _ in pages} == {
        "/present": "present",
        "/moved": "present",
        "/changed": "gone",
        "/removed": "gone",
        "/gone": "page gone",
        "/slow": "unreachable",
        "/error": "unreachable",
        "/plain.md": "present",
    }
    assert "redirected to" in found["/moved"]["detail"]
    assert found["/slow"]["detail"] == "timed out"
    assert found["/error"]["detail"] == "HTTP 500"
    assert found["/changed"]["high_stakes"] and not found["/removed"]["high_stakes"]
    assert set(_Fixtures.agents) == {USER_AGENT}

    text = runner.invoke(
        app, ["catalog", "check-sources", "--catalog", str(root), "--timeout", "3"]
    )
    assert text.exit_code == ExitCode.FAILED
    assert (
        f"GONE         p: training_on_customer_data (high-stakes) {server}/changed" in text.stdout
    )
    assert "PRESENT" not in text.stdout  # only what needs attention, then the totals
    assert "high-stakes quotes present: 3 of 6" in text.stdout.splitlines()[-1]

    markdown = runner.invoke(
        app, ["catalog", "check-sources", "--catalog", str(root), "--format", "markdown"]
    )
    assert f"| page gone | `p` | `training_on_customer_data` | yes | {server}/gone |" in (
        markdown.stdout
    )


def test_only_unreadable_pages_exit_3_and_all_present_exits_0(
    server: str, tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    unreadable = _catalog(tmp_path / "a", server, [("/error", "training_on_customer_data")])
    result = runner.invoke(app, ["catalog", "check-sources", "--catalog", str(unreadable)])
    assert result.exit_code == ExitCode.UNREACHABLE, result.output
    kept = _catalog(tmp_path / "b", server, [("/present", "retention")])
    result = runner.invoke(app, ["catalog", "check-sources", "--catalog", str(kept)])
    assert result.exit_code == ExitCode.OK, result.output
    result = runner.invoke(app, ["catalog", "check-sources", "--catalog", str(kept), "nobody"])
    assert result.exit_code == ExitCode.INVALID
    assert "unknown provider(s) nobody" in result.output


def test_a_huge_page_is_read_only_up_to_the_cap(server: str, tmp_path: Path) -> None:
    root = _catalog(
        tmp_path,
        server,
        [("/huge-start", "training_on_customer_data"), ("/huge-end", "training_on_customer_data")],
    )
    results = check_sources(load_catalog(root), max_bytes=1_000_000)
    by_path = {r.url.removeprefix(server): r for r in results}
    assert by_path["/huge-start"].status == "present"
    assert "page larger than 1000000 bytes" in by_path["/huge-start"].detail
    # beyond the cap the quote may still be there: unreadable, not "gone"
    assert by_path["/huge-end"].status == "unreachable"
    assert not failing(results)


def test_each_url_is_fetched_once_and_concurrency_is_bounded(server: str, tmp_path: Path) -> None:
    pages = [(f"/present?{i}", "training_on_customer_data") for i in range(8)]
    pages += [("/present?0", "retention")]  # the same URL twice: one fetch
    root = _catalog(tmp_path, server, pages)
    results = check_sources(load_catalog(root), concurrency=2)
    assert len(results) == 9 and {r.status for r in results} == {"present"}
    assert len(_Fixtures.agents) == 8
    assert _Fixtures.peak == 2
