"""Open311 GeoReport v2 documents in both formats: JSON, and XML with the specification's element names.

Lists are rendered as a container element holding one element per item, named as the specification
names them (`services/service`, `service_requests/request`, `errors/error`, `attributes/attribute`,
`values/value`, `endpoints/endpoint`, `formats/format`; `notes/note` for the notes extension).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response

from services.reports.reports.privacy import clean_text

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}


def w3c(moment: datetime | None) -> str | None:
    """The W3C subset of ISO 8601 the specification asks for, always with the time zone."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return clean_text(str(value))  # rows stored before input was cleaned must not break the XML


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        text = _scalar(value)
        if text is not None:
            element.text = text


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def to_xml(root: str, value: Any) -> bytes:
    """The document with the declaration as the specification's examples write it (double quotes, UTF-8)."""
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(type(value).__name__)


def to_json(value: Any) -> bytes:
    return json.dumps(value, default=_json_default, ensure_ascii=False).encode()


def render(fmt: str, root: str, value: Any, status_code: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, value), status_code=status_code, media_type=FORMATS["xml"])
    return Response(to_json(value), status_code=status_code, media_type=FORMATS["json"])


def errors(fmt: str, status_code: int, *descriptions: str) -> Response:
    items = [{"code": status_code, "description": description} for description in descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", items, status_code)
