"""The street network: travel distances and paths along the imported streets, per way of travelling.

Pure (no database, no HTTP): it takes each street's line (its GeoJSON coordinates), whether it is
one-way and whether vehicles may use it, and answers shortest distances and paths between points.

The graph: every street line is a chain of points; a point that two streets share (the same
coordinate, as a crossing's OSM node is in both ways) or a street's end is a *junction*, and the
graph's nodes are the junctions.  An edge is the stretch of one street between two junctions, its
length the haversine sum of the points along it (the kernel's one geodesy), its shape kept to draw
the path.  A street end within ``SNAP_M`` of another street's point (sections cut at a crossing,
a rounding apart) is joined to it by a short edge.

Two graphs: ``foot`` (every street, both directions) and ``vehicle`` (only streets vehicles may use,
one-ways in their direction).  The registry holds named streets only (no footpaths, service roads or
unnamed links), so a graph falls apart in pieces; every piece but the largest (strongly connected
for vehicles: an extract's edge leaves one-way stubs that lead nowhere) is joined to it by a *bridge*
both ways between their nearest junctions, as long as the straight line between them ×
``DETOUR_FACTOR`` — the same fallback routing uses for a stop off the network — and each of its
junctions to the nearest junction of another piece within ``GAP_M``.  So every two linked
points have a path, and a stop whose junction lies off the largest piece is reported as travelling
on the straight-line fallback (:meth:`RoadNetwork.on_main`).

A point (a stop at a street, a depot) is linked to the nearest junction of its own street that is in
the graph, or else to the nearest junction in the graph within ``LINK_MAX_M``; the straight leg to
that junction is added at both ends, so a road distance between points is never shorter than the
straight line.  A street clean (``Place.whole_street``) is entered and left at its own junction with
no leg added: the cleaning time already covers walking or driving the street's length.
A point with no junction in reach is *not linked*: callers fall back to the straight line and count it.

Shortest paths: :func:`scipy.sparse.csgraph.dijkstra` from the needed sources only (the stops of one
sub-problem, not the whole city), in chunks so memory stays bounded at ``CHUNK_BYTES``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from kernel.geo import LocalProjection, haversine_m, haversine_pairwise_m

__all__ = [
    "DETOUR_FACTOR",
    "FOOT",
    "LINK_MAX_M",
    "SNAP_M",
    "VEHICLE",
    "Place",
    "RoadNetwork",
    "StreetLine",
]

FOOT = "foot"
VEHICLE = "vehicle"
GRAPHS = (FOOT, VEHICLE)
DETOUR_FACTOR = 1.3
"""Street network distance ÷ straight-line distance in a typical city grid: the fallback off the network."""
SNAP_M = 2.0
"""A street end this close to another street's point is joined to it."""
GAP_M = 80.0
"""A junction of a piece off the largest one is also bridged to another piece's junction this close."""
LINK_MAX_M = 250.0
"""A stop farther than this from every junction of the graph is not linked (straight-line fallback)."""
MIN_EDGE_M = 0.01
"""Edges shorter than this (a snap of 0 m) still count as edges for the sparse graph."""
CHUNK_BYTES = 64 * 1024 * 1024
"""Dijkstra runs from at most this many bytes' worth of sources at once (rows × nodes × 8)."""
COORDINATE_DECIMALS = 7

LonLat = tuple[float, float]


@dataclass(frozen=True)
class StreetLine:
    """A street as the network needs it: its line (``(lon, lat)`` points, as GeoJSON), whether it is
    one-way (``1``: in the direction of its points, ``-1``: against, ``0``: both ways) and whether
    vehicles may use it (a pedestrian street may not)."""

    street_id: str
    coordinates: Sequence[LonLat]
    oneway: int = 0
    drivable: bool = True


@dataclass(frozen=True)
class Place:
    """A point to travel from or to: a stop on a street (``street_id``) or a depot (``None``)."""

    lat: float
    lon: float
    street_id: str | None = None
    whole_street: bool = False
    """A stop that is the street's whole length (a street clean): the crew enters and leaves it at a
    junction and the cleaning covers the rest, so no straight leg is added when linked to its own street."""


@dataclass
class _Graph:
    matrix: csr_matrix
    shapes: dict[tuple[int, int], tuple[int, bool]]
    """(from node, to node) → (index into the network's shapes, reversed?) of the shortest such edge."""
    linkable: np.ndarray
    """Nodes with an edge in this graph."""
    main: np.ndarray
    """Nodes of the graph's largest (strongly) connected piece, before bridging."""
    bridges: int
    tree: cKDTree | None
    tree_nodes: np.ndarray


@dataclass
class RoadNetwork:
    """The junction graph of a set of streets, per way of travelling (``foot``, ``vehicle``)."""

    node_lat: np.ndarray
    node_lon: np.ndarray
    node_xy: np.ndarray
    street_nodes: dict[str, np.ndarray]
    shapes: list[tuple[LonLat, ...]]
    graphs: dict[str, _Graph]
    streets: int
    lat0: float
    lon0: float
    build_seconds: float = 0.0
    links: dict[tuple[str, float, float, str | None, bool], tuple[int, float]] = field(default_factory=dict)

    # ------------------------------------------------------------------ building

    @classmethod
    def build(cls, streets: Sequence[StreetLine]) -> RoadNetwork:
        started = time.perf_counter()
        lines = [s for s in streets if len(s.coordinates) >= 2]
        if not lines:
            raise ValueError("a road network needs at least one street with a line")
        counts = np.array([len(s.coordinates) for s in lines])
        points = np.round(
            np.array([p for s in lines for p in s.coordinates], dtype=float).reshape(-1, 2), COORDINATE_DECIMALS
        )
        owner = np.repeat(np.arange(len(lines)), counts)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        ends = starts + counts - 1
        unique, point_id = np.unique(points, axis=0, return_inverse=True)
        point_id = point_id.reshape(-1)
        lon0, lat0 = float(unique[:, 0].mean()), float(unique[:, 1].mean())
        xy = LocalProjection(lat0, lon0).points_to_xy(unique)

        # junctions: points on two or more streets, and every street's ends (and what they snap to)
        pairs = np.unique(np.stack([point_id, owner], axis=1), axis=0)
        streets_at = np.bincount(pairs[:, 0], minlength=len(unique))
        key = streets_at >= 2
        end_ids = np.unique(np.concatenate([point_id[starts], point_id[ends]]))
        key[end_ids] = True
        snaps: list[tuple[int, int]] = []
        if len(unique) > 1:
            tree = cKDTree(xy)
            for end, hits in zip(end_ids.tolist(), tree.query_ball_point(xy[end_ids], r=SNAP_M), strict=True):
                for hit in hits:
                    if hit != end:
                        key[hit] = True
                        snaps.append((end, int(hit)))
        node_of_point = np.full(len(unique), -1, dtype=np.int64)
        key_ids = np.flatnonzero(key)
        node_of_point[key_ids] = np.arange(len(key_ids))

        seg_m = haversine_pairwise_m(points[:-1, 1], points[:-1, 0], points[1:, 1], points[1:, 0])
        shapes: list[tuple[LonLat, ...]] = []
        edges: dict[str, dict[tuple[int, int], tuple[float, int, bool]]] = {FOOT: {}, VEHICLE: {}}
        street_nodes: dict[str, np.ndarray] = {}

        def add(graph: str, u: int, v: int, metres: float, shape: int, reverse: bool) -> None:
            if u == v:
                return
            best = edges[graph].get((u, v))
            if best is None or metres < best[0]:
                edges[graph][(u, v)] = (metres, shape, reverse)

        for index, street in enumerate(lines):
            first, last = int(starts[index]), int(ends[index])
            nodes_here: list[int] = []
            piece_start = first
            length = 0.0
            for position in range(first, last + 1):
                if position > first:
                    length += float(seg_m[position - 1])
                node = int(node_of_point[point_id[position]])
                if node < 0:
                    continue
                nodes_here.append(node)
                if position == first:
                    continue
                u = int(node_of_point[point_id[piece_start]])
                shape = len(shapes)
                shapes.append(tuple((float(lon), float(lat)) for lon, lat in points[piece_start : position + 1]))
                metres = max(MIN_EDGE_M, length)
                add(FOOT, u, node, metres, shape, False)
                add(FOOT, node, u, metres, shape, True)
                if street.drivable:
                    if street.oneway >= 0:
                        add(VEHICLE, u, node, metres, shape, False)
                    if street.oneway <= 0:
                        add(VEHICLE, node, u, metres, shape, True)
                piece_start = position
                length = 0.0
            street_nodes[street.street_id] = np.unique(np.array(nodes_here, dtype=np.int64))
        for end, hit in snaps:  # a short join, usable both ways by everyone
            u, v = int(node_of_point[end]), int(node_of_point[hit])
            shape = len(shapes)
            shapes.append((_lonlat(unique[end]), _lonlat(unique[hit])))
            metres = max(MIN_EDGE_M, haversine_m(unique[end, 1], unique[end, 0], unique[hit, 1], unique[hit, 0]))
            for graph in GRAPHS:
                add(graph, u, v, metres, shape, False)
                add(graph, v, u, metres, shape, True)

        n = len(key_ids)
        node_xy = xy[key_ids]
        node_lat, node_lon = unique[key_ids, 1].copy(), unique[key_ids, 0].copy()
        graphs = {graph: _make_graph(edges[graph], n, node_xy, node_lat, node_lon, shapes) for graph in GRAPHS}
        network = cls(
            node_lat=node_lat,
            node_lon=node_lon,
            node_xy=node_xy,
            street_nodes=street_nodes,
            shapes=shapes,
            graphs=graphs,
            streets=len(lines),
            lat0=lat0,
            lon0=lon0,
        )
        network.build_seconds = time.perf_counter() - started
        return network

    @property
    def nodes(self) -> int:
        return len(self.node_lat)

    def on_main(self, graph: str, node: int) -> bool:
        """Whether ``node`` is on the graph's largest piece (not reached over a straight-line bridge)."""
        return node >= 0 and bool(self.graphs[graph].main[node])

    def bridges(self, graph: str) -> int:
        return self.graphs[graph].bridges

    def edges(self, graph: str) -> int:
        return int(self.graphs[graph].matrix.nnz)

    def nbytes(self) -> int:
        """Roughly the memory the arrays hold (shapes and dictionaries not counted)."""
        total = self.node_lat.nbytes + self.node_lon.nbytes + self.node_xy.nbytes
        for g in self.graphs.values():
            total += g.matrix.data.nbytes + g.matrix.indices.nbytes + g.matrix.indptr.nbytes + g.linkable.nbytes
        return int(total)

    # ------------------------------------------------------------------ linking places

    def link(self, graph: str, place: Place) -> tuple[int, float]:
        """(node, metres of straight leg) for ``place`` in ``graph``, or ``(-1, nan)`` if not linked."""
        cache_key = (graph, place.lat, place.lon, place.street_id, place.whole_street)
        found = self.links.get(cache_key)
        if found is not None:
            return found
        g = self.graphs[graph]
        here = LocalProjection(self.lat0, self.lon0).points_to_xy(np.array([[place.lon, place.lat]]))[0]
        node = -1
        own = self.street_nodes.get(place.street_id) if place.street_id is not None else None
        if own is not None and len(own):
            own = own[g.linkable[own]]
            if len(own):
                node = int(own[np.argmin(np.hypot(*(self.node_xy[own] - here).T))])
                if place.whole_street:
                    self.links[cache_key] = (node, 0.0)
                    return (node, 0.0)
        if node < 0 and g.tree is not None:
            distance, position = g.tree.query(here, distance_upper_bound=LINK_MAX_M)
            if math.isfinite(float(distance)):
                node = int(g.tree_nodes[int(position)])
        result = (
            (node, haversine_m(place.lat, place.lon, float(self.node_lat[node]), float(self.node_lon[node])))
            if node >= 0
            else (-1, math.nan)
        )
        self.links[cache_key] = result
        return result

    # ------------------------------------------------------------------ distances and paths

    def distances_m(self, graph: str, origins: Sequence[Place], targets: Sequence[Place]) -> np.ndarray:
        """Road metres from each origin (rows) to each target (columns); NaN where one is not linked."""
        o_links = [self.link(graph, p) for p in origins]
        t_links = [self.link(graph, p) for p in targets]
        result = np.full((len(origins), len(targets)), np.nan)
        o_nodes = np.array([n for n, _ in o_links], dtype=np.int64)
        t_nodes = np.array([n for n, _ in t_links], dtype=np.int64)
        sources = np.unique(o_nodes[o_nodes >= 0])
        columns = np.unique(t_nodes[t_nodes >= 0])
        if not len(sources) or not len(columns):
            return result
        between = self._node_distances(graph, sources, columns)
        o_access = np.array([a for _, a in o_links])
        t_access = np.array([a for _, a in t_links])
        rows = np.flatnonzero(o_nodes >= 0)
        cols = np.flatnonzero(t_nodes >= 0)
        row_at = np.searchsorted(sources, o_nodes[rows])
        col_at = np.searchsorted(columns, t_nodes[cols])
        block = between[np.ix_(row_at, col_at)] + o_access[rows][:, None] + t_access[cols][None, :]
        block[~np.isfinite(block)] = np.nan
        result[np.ix_(rows, cols)] = block
        return result

    def matrix_m(self, graph: str, places: Sequence[Place]) -> np.ndarray:
        """All-pairs road metres between ``places`` (zero on the diagonal; NaN where not linked)."""
        result = self.distances_m(graph, places, places)
        np.fill_diagonal(result, 0.0)
        return result

    def path(self, graph: str, places: Sequence[Place]) -> list[LonLat]:
        """The line along the streets through ``places`` in order; a straight hop where one is not linked."""
        links = [self.link(graph, p) for p in places]
        sources = np.unique(np.array([n for n, _ in links[:-1] if n >= 0], dtype=np.int64))
        predecessors: dict[int, np.ndarray] = {}
        g = self.graphs[graph]
        for chunk in _chunks(sources, self.nodes):
            _, pred = dijkstra(g.matrix, directed=True, indices=chunk, return_predecessors=True)
            for row, source in enumerate(chunk.tolist()):
                predecessors[source] = pred[row]
        line: list[LonLat] = []

        def extend(points: Sequence[LonLat]) -> None:
            for point in points:
                if not line or line[-1] != point:
                    line.append(point)

        for position, place in enumerate(places):
            here = (place.lon, place.lat)
            if position == 0:
                extend([here])
                continue
            (a, _), (b, _) = links[position - 1], links[position]
            if a >= 0 and b >= 0:
                nodes = _walk(predecessors[a], a, b)
                if nodes is not None:
                    extend([(float(self.node_lon[a]), float(self.node_lat[a]))])
                    for u, v in pairwise(nodes):
                        shape, reverse = g.shapes[(u, v)]
                        points = self.shapes[shape]
                        extend(points[::-1] if reverse else points)
            extend([here])
        return line

    def _node_distances(self, graph: str, sources: np.ndarray, columns: np.ndarray) -> np.ndarray:
        g = self.graphs[graph]
        out = np.empty((len(sources), len(columns)))
        done = 0
        for chunk in _chunks(sources, self.nodes):
            dist = dijkstra(g.matrix, directed=True, indices=chunk)
            out[done : done + len(chunk)] = dist[:, columns]
            done += len(chunk)
        return out


def _sparse(edges: dict[tuple[int, int], tuple[float, int, bool]], n: int) -> csr_matrix:
    if not edges:
        return csr_matrix((n, n))
    keys = np.array(list(edges), dtype=np.int64)
    weights = np.array([value[0] for value in edges.values()])
    return csr_matrix((weights, (keys[:, 0], keys[:, 1])), shape=(n, n))


def _make_graph(
    edges: dict[tuple[int, int], tuple[float, int, bool]],
    n: int,
    node_xy: np.ndarray,
    node_lat: np.ndarray,
    node_lon: np.ndarray,
    shapes: list[tuple[LonLat, ...]],
) -> _Graph:
    matrix = _sparse(edges, n)
    linkable = np.zeros(n, dtype=bool)
    main = np.zeros(n, dtype=bool)
    bridges = 0
    if matrix.nnz:
        linkable[matrix.nonzero()[0]] = True
        count, labels = connected_components(matrix, directed=True, connection="strong")
        sizes = np.bincount(labels[linkable], minlength=count)
        biggest = int(sizes.argmax())
        main = (labels == biggest) & linkable
        main_nodes = np.flatnonzero(main)
        main_tree = cKDTree(node_xy[main_nodes])
        linked_nodes = np.flatnonzero(linkable)
        any_tree = cKDTree(node_xy[linked_nodes])
        joins: set[tuple[int, int]] = set()
        for label in np.flatnonzero(sizes).tolist():
            if label == biggest:
                continue
            members = np.flatnonzero((labels == label) & linkable)
            found_main_d, found_main_i = main_tree.query(node_xy[members])
            distance = np.asarray(found_main_d, dtype=float).reshape(-1)
            nearest = np.asarray(found_main_i, dtype=np.int64).reshape(-1)
            k = int(np.argmin(distance))
            joins.add((int(members[k]), int(main_nodes[int(nearest[k])])))
            # and each of its junctions to the nearest junction of another piece close by, so a
            # trip to a neighbour does not go round by the one bridge to the largest piece
            found_d, found_i = any_tree.query(node_xy[members], k=min(8, len(linked_nodes)))
            near_d = np.asarray(found_d, dtype=float).reshape(len(members), -1)
            near_i = np.asarray(found_i, dtype=np.int64).reshape(len(members), -1)
            for row, member in enumerate(members.tolist()):
                for d, i in zip(near_d[row].tolist(), near_i[row].tolist(), strict=True):
                    other = int(linked_nodes[i]) if i < len(linked_nodes) else -1
                    if other >= 0 and d <= GAP_M and labels[other] != label:
                        joins.add((int(member), other))
                        break
        for u, v in sorted(joins):
            if (u, v) in edges:
                continue
            metres = DETOUR_FACTOR * haversine_m(node_lat[u], node_lon[u], node_lat[v], node_lon[v])
            shape = len(shapes)
            shapes.append(((float(node_lon[u]), float(node_lat[u])), (float(node_lon[v]), float(node_lat[v]))))
            edges[(u, v)] = (max(MIN_EDGE_M, metres), shape, False)
            edges[(v, u)] = (max(MIN_EDGE_M, metres), shape, True)
            bridges += 1
        if bridges:
            matrix = _sparse(edges, n)
    tree_nodes = np.flatnonzero(linkable)
    tree = cKDTree(node_xy[tree_nodes]) if len(tree_nodes) else None
    return _Graph(matrix, {k: (v[1], v[2]) for k, v in edges.items()}, linkable, main, bridges, tree, tree_nodes)


def _walk(predecessors: np.ndarray, source: int, target: int) -> list[int] | None:
    if source == target:
        return [source]
    nodes = [target]
    while nodes[-1] != source:
        before = int(predecessors[nodes[-1]])
        if before < 0:
            return None
        nodes.append(before)
    return nodes[::-1]


def _chunks(sources: np.ndarray, nodes: int) -> list[np.ndarray]:
    size = max(1, CHUNK_BYTES // (8 * max(1, nodes)))
    return [sources[k : k + size] for k in range(0, len(sources), size)]


def _lonlat(point: np.ndarray) -> LonLat:
    return (float(point[0]), float(point[1]))
