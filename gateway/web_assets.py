"""The pages' static files: our own scripts and styles, the map library from package-lock.json,
the map settings the pages read, the service worker and the favicon — with caching headers.

Leaflet comes from the npm registry (`make install` runs `npm ci`, which checks each package's
integrity); only its built files are served, under a path that carries its version so they can
be cached for a year. Nothing is fetched from a CDN at run time.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.settings import GatewaySettings

mimetypes.add_type("application/manifest+json", ".webmanifest")
WEB_DIR = Path(__file__).parent / "web"
NODE_MODULES = Path(__file__).resolve().parents[1] / "node_modules"
LEAFLET_FILES = {"leaflet.js", "leaflet.css", "images/marker-icon.png", "images/marker-icon-2x.png",
                 "images/marker-shadow.png", "images/layers.png", "images/layers-2x.png"}  # fmt: skip
OUR_FILES_MAX_AGE = 300  # our scripts change with each release; revalidated (ETag) after five minutes
VERSIONED_MAX_AGE = 31536000


class CachedStaticFiles(StaticFiles):
    """StaticFiles with a Cache-Control header (it already answers ETag / If-None-Match)."""

    def __init__(self, *, directory: Path, max_age: int) -> None:
        super().__init__(directory=directory)
        self.cache_control = f"public, max-age={max_age}" + (", immutable" if max_age >= VERSIONED_MAX_AGE else "")

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = self.cache_control
        return response


def package_version(name: str) -> str | None:
    """The installed version of an npm package, or None when `make install` has not run."""
    manifest = NODE_MODULES / name / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


def map_config(settings: GatewaySettings) -> dict[str, object]:
    """What the pages need to draw their base map: a tile server when the city has one, else
    their own streets (tile_url empty)."""
    return {
        "tile_url": settings.map_tile_url,
        "attribution": settings.map_attribution if settings.map_tile_url else "",
        "max_zoom": settings.map_max_zoom,
        "street_attribution": settings.map_street_attribution,
    }


def mount_web_assets(app: FastAPI, settings: GatewaySettings) -> None:
    leaflet_version = package_version("leaflet")
    app.state.leaflet_version = leaflet_version

    @app.get("/map-config.json", include_in_schema=False)
    async def get_map_config() -> JSONResponse:
        body = map_config(settings) | {"leaflet": f"/static/vendor/leaflet-{leaflet_version}/"}
        return JSONResponse(body, headers={"cache-control": "no-cache"})

    @app.get("/static/vendor/leaflet-{version}/{name:path}", include_in_schema=False)
    async def leaflet_file(version: str, name: str) -> FileResponse:
        if leaflet_version is None:
            raise HTTPException(503, "the map library is not installed: run `make install` (npm ci)")
        if version != leaflet_version or name not in LEAFLET_FILES:
            raise HTTPException(404, f"no such file; Leaflet {leaflet_version} serves {sorted(LEAFLET_FILES)}")
        return FileResponse(
            NODE_MODULES / "leaflet" / "dist" / name,
            headers={"cache-control": f"public, max-age={VERSIONED_MAX_AGE}, immutable"},
        )

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> FileResponse:
        # served from the root so that it may control /report and /volunteer
        return FileResponse(
            WEB_DIR / "static" / "sw.js",
            media_type="text/javascript; charset=utf-8",
            headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(
            WEB_DIR / "static" / "favicon.svg",
            media_type="image/svg+xml",
            headers={"cache-control": f"public, max-age={OUR_FILES_MAX_AGE}"},
        )

    app.mount("/static", CachedStaticFiles(directory=WEB_DIR / "static", max_age=OUR_FILES_MAX_AGE), name="static")
