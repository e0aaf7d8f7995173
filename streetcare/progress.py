"""Where a long command is, one line at a time on stderr (`[  12.3 s] what`), so its results on stdout
stay clean: `import-streets` and `bench` use it. Plain lines rather than bars: they read the same in a
terminal, a CI log and a file, and need no package in the image."""

from __future__ import annotations

import sys
import time


class Progress:
    """Called with what is happening; each line says the seconds since this was made."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, what: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f} s] {what}", file=sys.stderr, flush=True)


def quiet(_: str) -> None:
    """Progress nobody listens to: a benchmark called from a test or a script."""
    return None
