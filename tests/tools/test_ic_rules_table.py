"""docs/ic-rules.md's test counts and lists, and README's figure of ported
ic-hs scenarios, are what the test markers say (tools/ic_rules_table.py)."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_ic_rules_doc_is_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "ic_rules_table.py"),
                        "--check"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr + r.stdout
