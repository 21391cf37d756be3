"""The `tlsconf` process: the console script's entry point, and `python -m tlsconf`.

A CLI run is one batch that ends with its process. The cyclic collector is off from the first
import (the commands pause it anyway, `source.gc_paused`: nothing cyclic worth collecting is
made), and before the interpreter exits every object is frozen, so the full collection that
finalization runs — even with the collector disabled — has nothing to walk. That last pass over
a run's heap (pydantic's schemas, the spec, the certificates) and the young collections during
the imports were about a third of what a 1-site lint costs beyond its dependencies' imports
(docs/performance.md). `cli.main` itself stays re-entrant: harnesses call it many times in one
interpreter, where freezing would keep each call's garbage for good.
"""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    try:
        from tlsconf.cli import main

        main()
    finally:
        gc.freeze()  # the process ends here: finalization's collection skips frozen objects
