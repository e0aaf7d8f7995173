"""A plan as CSV, as GeoJSON, and as a printable page per crew (no inline style or script: the
gateway's CSP allows only its own stylesheet, which carries the print rules)."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from services.scheduling.streets import repository as streets

CSV_COLUMNS = (
    "plan_date",
    "version",
    "crew_id",
    "crew",
    "mode",
    "position",
    "visit_id",
    "street_id",
    "street",
    "district",
    "kind",
    "eta",
    "eta_local",
    "service_minutes",
    "status",
    "reason",
)


def to_csv(plan: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for crew in plan["crews"]:
        for visit in crew["visits"]:
            writer.writerow(
                [
                    plan["plan_date"].isoformat(),
                    plan["version"],
                    crew["id"],
                    crew["name"],
                    crew["mode"],
                    visit["position"] + 1,
                    visit["visit_id"],
                    visit["street_id"],
                    visit["street_name"],
                    visit["district"],
                    visit["kind"],
                    visit["eta"].isoformat(),
                    visit["eta_local"],
                    visit["service_minutes"],
                    visit["status"],
                    visit["reason"],
                ]
            )
    return out.getvalue()


def to_geojson(session: Session, plan: dict[str, Any]) -> dict[str, Any]:
    """Each visit as its street's line (or the stop's point), each crew's route as a line."""
    ids = sorted({v["street_id"] for c in plan["crews"] for v in c["visits"]})
    geometry = {s.id: s.coordinates for s in streets.by_ids(session, ids)}
    features: list[dict[str, Any]] = []
    for crew in plan["crews"]:
        path = [[crew["depot_lon"], crew["depot_lat"]]]
        for visit in crew["visits"]:
            coords = geometry.get(visit["street_id"])
            shape: dict[str, Any] = (
                {"type": "LineString", "coordinates": coords}
                if visit["kind"] == "clean" and coords
                else {"type": "Point", "coordinates": [visit["lon"], visit["lat"]]}
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": shape,
                    "properties": {
                        "feature": "visit",
                        "crew_id": crew["id"],
                        "crew": crew["name"],
                        "order": visit["position"] + 1,
                        "visit_id": visit["visit_id"],
                        "street_id": visit["street_id"],
                        "street": visit["street_name"],
                        "kind": visit["kind"],
                        "eta": visit["eta"].isoformat(),
                        "status": visit["status"],
                        "reason": visit["reason"],
                    },
                }
            )
            path.append([visit["lon"], visit["lat"]])
        if len(path) > 1:
            path.append([crew["depot_lon"], crew["depot_lat"]])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": path},
                    "properties": {"feature": "route", "crew_id": crew["id"], "crew": crew["name"]},
                }
            )
    return {
        "type": "FeatureCollection",
        "properties": {"plan_date": plan["plan_date"].isoformat(), "version": plan["version"]},
        "features": features,
    }


def crew_page(plan: dict[str, Any], crew_id: int, city: str) -> str:
    crew = next((c for c in plan["crews"] if int(c["id"]) == crew_id), None)
    if crew is None:
        from kernel.errors import NotFound

        raise NotFound(f"crew {crew_id} is not on the plan for {plan['plan_date'].isoformat()}")
    rows = "\n".join(
        '<tr><td>{n}</td><td>{eta}</td><td>{street}<br><span class="muted">{district}</span></td>'
        '<td>{kind}</td><td>{minutes}</td><td>{reason}</td><td class="tick">&#9744;</td></tr>'.format(
            n=v["position"] + 1,
            eta=escape(v["eta_local"] or ""),
            street=escape(v["street_name"]),
            district=escape(v["district"]),
            kind=escape(v["kind"]),
            minutes=v["service_minutes"],
            reason=escape(v["reason"]),
        )
        for v in crew["visits"]
    )
    title = f"{crew['name']} — {plan['plan_date'].isoformat()} (version {plan['version']})"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/dispatch.css">
</head>
<body class="printable">
<main class="crew-sheet">
<h1>{escape(title)}</h1>
<p>{escape(city)} · {escape(crew["mode"])} · crew of {crew["size"]} · shift {escape(crew["shift_local"])}
 · back at the depot by {escape(crew["returns_local"] or "—")} · {len(crew["visits"])} visits</p>
<table class="sheet">
<thead><tr><th>#</th><th>ETA</th><th>Street</th><th>Work</th><th>Min.</th><th>Why</th><th>Done</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""
