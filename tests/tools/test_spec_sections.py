"""Every section of the Wasm specification that pyic/wasm/ cites exists in the 3.0 text.

The numbering is computed from the specification's sources in the shared material
(`tools.spec_sections`), so a citation left over from the 2.0 numbering (e.g. "4.4.8.11" for
``call_indirect``, now 4.6.2) or a placeholder fails here.  Only comments and string literals
are read: numbers in code are not citations.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tokenize
from pathlib import Path

from tools.spec_sections import sections

REPO = Path(__file__).resolve().parents[2]
SPEC = Path(os.environ["PYIC_SHARED"]) / "reference" / "wasm-spec"   # set by the root conftest

# A section number: a chapter (1-7 or the appendix's A) and at least one more component.
# Chapter 7 is matched so that the appendix cited by the 2.0 document's numbering ("7.4.1")
# is reported, not passed over.
CITATION = re.compile(r"(?<![\w.])((?:[1-7]|A)(?:\.\d+)+)(?![\w.]*\d)")
# Not citations of the 3.0 text: versions ("Wasm 3.0", "CPython 3.11") and numbers that say
# they are the Wasm 2.0 document's ("2.0 5.5.5", "2.0 5.3.1-5.3.4": the legacy behaviour pyic
# keeps for the 2.0 test suite, cited where 2.0 states it).
NOT_CITATIONS = re.compile(
    r"\b[1-9]\.0\b(?:\s+\d+(?:\.\d+)+(?:\s*[-,]\s*\d+(?:\.\d+)+)*)?"
    r"|\b(?:C?Python|version)\s+\d+(?:\.\d+)+")

# Modules whose numbers in this notation are another document's (none so far).
OTHER_DOCUMENTS: dict[str, str] = {}


def _text_of(path: Path) -> list[tuple[int, str]]:
    """The comments and string literals of a module, line by line, with line numbers."""
    found = []
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING):
            for i, line in enumerate(token.string.splitlines()):
                found.append((token.start[0] + i, line))
    return found


def citations() -> list[tuple[str, int, str]]:
    """(module, line, number) for every section number cited in pyic/wasm/."""
    cited = []
    for path in sorted((REPO / "pyic" / "wasm").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name in OTHER_DOCUMENTS:
            continue
        for line_no, line in _text_of(path):
            for number in CITATION.findall(NOT_CITATIONS.sub(" ", line)):
                cited.append((name, line_no, number))
    return cited


def test_the_numbering_is_the_3_0_texts():
    assert (SPEC / "index.rst").is_file(), f"no Wasm specification sources at {SPEC}"
    numbered = sections(SPEC)
    assert numbered["4.6.2"] == "Control Instructions"
    assert numbered["4.6.12"] == "Expressions"
    assert numbered["4.7.1.8"].startswith("Growing")
    assert numbered["4.7.3"] == "Invocation"
    assert numbered["3.4.13.1"] == "Constant Expressions"
    assert numbered["5.5.17"] == "Modules"
    assert numbered["6.5.6.1"] == "Abbreviations"
    assert numbered["A.1"] == "Embedding"
    assert numbered["A.7.1"] == "Name Section"
    assert "4.4.8.11" not in numbered and "7.4.1" not in numbered   # 2.0's numbers


def test_every_cited_section_exists():
    numbered = sections(SPEC)
    cited = citations()
    assert len(cited) > 300          # the scan finds the citations at all
    missing = [f"{name}:{line}: {number}" for name, line, number in cited
               if number not in numbered]
    assert not missing, "sections cited but not in the Wasm 3.0 text:\n" + "\n".join(missing)


def test_no_placeholder_sections():
    found = subprocess.run(["grep", "-rnE", "--include=*.py", r"[0-9]\.\?", "pyic/"],
                           cwd=REPO, capture_output=True, text=True)
    assert found.returncode == 1, found.stdout or found.stderr     # 1: no line matched
