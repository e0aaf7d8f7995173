"""The baseline for the ingest benchmark: a bare uvicorn endpoint that does nothing."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": 1, "street_id": 1, "status": "open"}, status_code=201)


app = Starlette(routes=[Route("/api/v1/reports/reports", hello, methods=["POST"])])
