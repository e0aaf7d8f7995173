"""Every refusal the volunteers service makes carries a machine `code`: the volunteer page says it
in the reader's language from the one catalogue instead of the service's English `detail`."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1]
REFUSALS = {"NotFound", "Conflict", "Forbidden", "Unprocessable", "DomainError", "PhotoTooLarge", "UnsupportedPhoto"}


def refusals_without_a_code(source: str) -> list[int]:
    """The lines where a refusal is made without code=…"""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in REFUSALS
        and not any(keyword.arg == "code" for keyword in node.keywords)
    ]


def test_the_check_finds_a_refusal_without_a_code() -> None:
    assert refusals_without_a_code('raise NotFound("gone")\nraise Conflict("x", code="y")\n') == [1]


def test_every_refusal_of_the_volunteers_service_has_a_code() -> None:
    missing = {
        str(path.relative_to(SERVICE)): lines
        for path in SERVICE.rglob("*.py")
        if "tests" not in path.parts and (lines := refusals_without_a_code(path.read_text()))
    }
    assert missing == {}
