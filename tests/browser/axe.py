"""axe-core (from package-lock.json, node_modules/) run inside the test browser: never served by the gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(page: Any) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each.

    The page's context must be opened with bypass_csp=True: axe is injected as an inline script,
    which the gateway's Content-Security-Policy (rightly) refuses."""
    assert AXE.exists(), "axe-core is missing: run `make install` (npm ci)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def small_tap_targets(page: Any, selector: str = "button, a, input, select, [role=button]") -> list[str]:
    """Visible controls smaller than 44×44 CSS pixels (checkboxes, radios and visually hidden inputs count
    by their label)."""
    found: list[str] = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).filter(n => {
            const r = n.getBoundingClientRect();
            if (!r.width || !r.height || getComputedStyle(n).visibility === 'hidden') return false;
            if (n.closest('.leaflet-control-attribution')) return false;   // the map's credit line
            if (n.matches('a') && n.closest('p, li, footer, small') && !n.closest('nav')) return false; // links in text
            let box = r;
            const label = n.closest('label');
            if (n.matches('input[type=checkbox], input[type=radio]') && label) box = label.getBoundingClientRect();
            // a visually hidden input (a file picker) is tapped through the label that stands for it
            else if (n.matches('input.visually-hidden') && n.labels && n.labels.length)
                box = n.labels[n.labels.length - 1].getBoundingClientRect();
            else if (n.matches('input') && n.labels && n.labels.length === 0) return false;
            return box.width < 44 || box.height < 44;
        }).map(n => n.outerHTML.slice(0, 120))""",
        selector,
    )
    return found
