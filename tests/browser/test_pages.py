"""What every page shares: the start page, the map library from our own static files, a configured
base map honoured by the CSP, compression and caching headers, the favicon — in headless Chromium."""

from __future__ import annotations

import http.server
import io
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from PIL import Image

from conftest import wait_for
from streetcare.local import free_port
from streetcare.testing import Stack, http_server
from tests.browser.axe import serious_violations, small_tap_targets

pytestmark = [pytest.mark.stack, pytest.mark.browser, pytest.mark.xdist_group("stack")]


@pytest.mark.parametrize("locale, title", [("en-GB", "Report litter"), ("nl-NL", "Zwerfafval melden")])
def test_the_start_page_in_both_languages(stack: Stack, browser: Any, locale: str, title: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale, bypass_csp=True)
    failed: list[str] = []
    try:
        page = context.new_page()
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(stack.gateway_url + "/")
        page.get_by_role("link", name=title).wait_for()
        assert serious_violations(page) == []
        assert small_tap_targets(page) == []
        page.goto(stack.gateway_url + "/favicon.ico")
        assert failed == []  # no 404 for the favicon
    finally:
        context.close()


def test_static_files_are_compressed_cached_and_only_the_map_library_is_served(stack: Stack) -> None:
    leaflet = httpx.get(f"{stack.gateway_url}/static/vendor/leaflet-1.9.4/leaflet.js")
    assert leaflet.status_code == 200
    assert leaflet.headers["content-encoding"] == "gzip"
    assert "immutable" in leaflet.headers["cache-control"]
    ours = httpx.get(f"{stack.gateway_url}/static/common.js")
    assert ours.headers["content-encoding"] == "gzip" and "max-age" in ours.headers["cache-control"]
    assert ours.headers.get("etag")
    again = httpx.get(f"{stack.gateway_url}/static/common.js", headers={"if-none-match": ours.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{stack.gateway_url}/static/vendor/leaflet-1.9.4/leaflet-src.js").status_code == 404
    assert httpx.get(f"{stack.gateway_url}/static/vendor/leaflet-1.9.4/../../../package.json").status_code == 404
    page = httpx.get(f"{stack.gateway_url}/report")
    assert page.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{stack.gateway_url}/map-config.json").json()["tile_url"] == ""  # the streets are the base map


class TileHandler(http.server.BaseHTTPRequestHandler):
    """A tile server on loopback: one grey PNG for every tile."""

    tile = b""
    served: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        TileHandler.served.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(self.tile)))
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def tile_server() -> Iterator[str]:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 200, 200)).save(out, format="PNG")
    TileHandler.tile = out.getvalue()
    TileHandler.served = []
    with http_server(TileHandler) as base:
        yield base


def test_a_configured_base_map_is_drawn_and_allowed_by_the_csp(
    stack: Stack, browser: Any, tile_server: str, tmp_path: Path
) -> None:
    """A second gateway on the same stack, configured with a tile server and its attribution."""
    port = free_port()
    env = stack.env | {
        "GATEWAY_PORT": str(port),
        "GATEWAY_MAP_TILE_URL": tile_server + "/{z}/{x}/{y}.png",
        "GATEWAY_MAP_ATTRIBUTION": "Kaart: test tiles",
    }
    command = shlex.split(stack.commands()["gateway"])
    command[command.index("--port") + 1] = str(port)
    log = (tmp_path / "gateway.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    errors: list[str] = []
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(
            lambda: _answers(url + "/healthz") or process.poll() is not None, timeout=90, message="the second gateway"
        )
        assert process.poll() is None, (tmp_path / "gateway.log").read_text()
        csp = httpx.get(url + "/report").headers["content-security-policy"]
        assert tile_server in csp
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/report")
        page.wait_for_selector("#map img.leaflet-tile-loaded")
        assert "Kaart: test tiles" in page.locator(".leaflet-control-attribution").inner_text()
        assert TileHandler.served
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
