"""Accepted means stored, in every service: the request's session dependency is the kernel's one
(services/reports/tests/test_commit_before_answer.py shows what it does on a live service)."""

from __future__ import annotations

import re
from pathlib import Path


def test_the_session_dependency_is_defined_once_in_the_kernel() -> None:
    """Issue 12 found 8 copies of `SessionDep`, each a request-scoped `yield` dependency that
    committed after the answer. Every service route uses the kernel's one (scope="function"):
    a copy in a service would bring back 2xx before the commit."""
    root = Path(__file__).resolve().parents[1]
    definition = re.compile(r"^\s*(SessionDep\s*=|def get_session\b)|Depends\(\s*get_session\b", re.MULTILINE)
    copies = [
        str(path.relative_to(root)) for path in (root / "services").rglob("*.py") if definition.search(path.read_text())
    ]
    assert copies == [], f"session dependencies outside kernel/service_app.py: {copies}"
    kernel = (root / "kernel" / "service_app.py").read_text()
    assert 'SessionDep = Annotated[Session, Depends(get_session, scope="function")]' in kernel
