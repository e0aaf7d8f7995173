"""A stack's ports are never another stack's.

A parallel test worker once got, from `bind(0)`, a port its neighbour had just been handed for
a service; its gateway then read the other service's route table and answered 404 and 401 for
a whole module of tests.
"""

from __future__ import annotations

import json
import subprocess
import sys

from streetcare.local import ephemeral_port_range, free_port

OTHER_PROCESS = """
import json, sys
from streetcare.local import free_port
print(json.dumps([free_port() for _ in range(int(sys.argv[1]))]))
"""


def test_ports_are_never_handed_out_twice_and_never_from_theephemeral_port_range() -> None:
    low, high = ephemeral_port_range()
    ports = [free_port() for _ in range(60)]
    assert len(set(ports)) == len(ports)
    assert not any(low <= port <= high for port in ports)


def test_another_process_is_never_handed_a_port_this_one_holds() -> None:
    held = {free_port() for _ in range(300)}
    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, "300"], capture_output=True, text=True, check=True, timeout=60
    )
    theirs = set(json.loads(other.stdout))
    assert len(theirs) == 300
    assert not held & theirs, f"ports handed to two processes: {sorted(held & theirs)}"
