"""Where tests live (README, "Where tests live"): a test that exercises one service in-process lives
in services/<service>/tests; tests/ holds what crosses services or sits beside them (the whole stack,
the browser, the gateway, the workers, the kernel, the tools). Read with ast, so a test put in the
wrong place fails here whatever it does when it runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("scheduling", "reports", "volunteers")
# what a test in tests/ may import beside one service's code and still belong there: the gateway,
# the workers and the tools (simulator, benchmarks, CLI) are none of that service's
BESIDE = ("gateway", "workers", "streetcare.sim", "streetcare.bench", "streetcare.cli")


def imported(tree: ast.Module) -> set[str]:
    """Every module a test module imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def runs_the_stack_or_a_browser(tree: ast.Module) -> bool:
    """A `stack` or `browser` mark, or a fixture that starts the stack (stack, fault_stack, …) or a browser."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("stack", "browser")
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "mark"
        ):
            return True
        if isinstance(node, ast.arg) and (node.arg in ("stack", "browser") or node.arg.endswith("_stack")):
            return True
    return False


def single_service(source: str) -> str | None:
    """The service a module of tests/ tests alone, in-process (so it belongs in that service's
    tests/), or None: it crosses services, runs the stack or a browser, or tests something beside them."""
    tree = ast.parse(source)
    modules = imported(tree)
    services = {m.split(".")[1] for m in modules if m.startswith("services.") and m.split(".")[1] in SERVICES}
    if len(services) != 1 or runs_the_stack_or_a_browser(tree):
        return None
    if any(m == beside or m.startswith(f"{beside}.") for m in modules for beside in BESIDE):
        return None
    return services.pop()


@pytest.mark.parametrize(
    ("source", "service"),
    [
        ("from services.reports.app import create_app", "reports"),
        ("def test_x():\n    from services.volunteers import handlers", "volunteers"),
        ("from services.scheduling.tests.test_planner import adopt\nfrom kernel.auth import Role", "scheduling"),
        ("from services.reports.app import create_app\npytestmark = [pytest.mark.stack]", None),
        ("from services.reports.app import create_app\ndef test_x(fault_stack): ...", None),
        ("from services.reports.app import create_app\n@pytest.mark.browser\ndef test_x(): ...", None),
        ("from services import reports, volunteers", None),
        ("from services.scheduling.planning import levels\nfrom streetcare.sim import runner", None),
        ("from services.scheduling import admin\nfrom workers import celery_app", None),
        ("from kernel.events import decode_event", None),
    ],
)
def test_the_check_tells_a_single_service_test_from_the_rest(source: str, service: str | None) -> None:
    assert single_service(source) == service


def test_no_test_in_tests_exercises_one_service_alone() -> None:
    misplaced = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        service = single_service(path.read_text(encoding="utf-8"))
        if service is not None:
            where = path.relative_to(ROOT)
            misplaced.append(f"{where} tests services.{service} alone in-process: move it to services/{service}/tests/")
    assert misplaced == [], "\n".join(misplaced)


def test_a_services_tests_are_packages_and_start_no_stack_nor_browser() -> None:
    """Packages, so that modules of the same name in two services (test_service.py) never collide."""
    problems = []
    for service in SERVICES:
        tests = ROOT / "services" / service / "tests"
        for path in sorted(tests.rglob("*.py")):
            for folder in [path.parent, *path.parent.parents]:
                if not (folder / "__init__.py").exists():
                    problems.append(f"{folder.relative_to(ROOT)} has no __init__.py")
                if folder == tests:
                    break
            if runs_the_stack_or_a_browser(ast.parse(path.read_text(encoding="utf-8"))):
                problems.append(f"{path.relative_to(ROOT)} runs the stack or a browser: it belongs in tests/")
    assert problems == [], "\n".join(sorted(set(problems)))
