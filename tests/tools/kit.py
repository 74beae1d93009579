"""Where the tests of tools/ find the bench kit: ``$PYIC_SHARED/bench`` (the root
conftest.py sets ``$PYIC_SHARED`` to ../shared beside the checkout unless given)."""

from __future__ import annotations

import os
import pathlib

BENCH = pathlib.Path(os.environ["PYIC_SHARED"], "bench").resolve()
