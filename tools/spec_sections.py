"""The section numbers of the WebAssembly specification, computed from its reStructuredText
sources (``$PYIC_SHARED/reference/wasm-spec``), so that a citation such as ``4.6.2`` in
pyic's docstrings can be checked against the text it cites.

The numbering is Sphinx's: the top-level ``index.rst`` lists the chapters in order
(1 Introduction ... 6 Text Format, then the Appendix, numbered ``A``), each chapter's
``index.rst`` lists its files, and within a file a heading's level is given by its
underline character, in the order the characters first appear in that file.  A file's
top-level headings are sections of its chapter; deeper ones nest below them.

    python3 -m tools.spec_sections [SPEC_DIR|""] [PREFIX]    # print "number<TAB>title"
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

CHAPTERS = ("intro", "syntax", "valid", "exec", "binary", "text", "appendix")
APPENDIX = "A"          # the appendix is numbered A, A.1, ..., as in the W3C rendering

_UNDERLINE = re.compile(r"([=\-~^.\"'`:+#*_<>])\1{2,}\s*")
_TOCTREE_ENTRY = re.compile(r"^\s+([\w\-/]+)\s*$")


def default_dir() -> Path:
    """The specification's sources in the shared material ($PYIC_SHARED, else ../shared)."""
    shared = os.environ.get("PYIC_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return root / "reference" / "wasm-spec"


def toctree(index: Path) -> list[str]:
    """The documents an ``index.rst`` lists in its first ``toctree``, in order."""
    entries: list[str] = []
    lines = index.read_text(encoding="utf-8").splitlines()
    inside = False
    for line in lines:
        if line.strip() == ".. toctree::":
            if entries:
                break
            inside = True
            continue
        if not inside:
            continue
        if not line.strip() or line.strip().startswith(":"):
            continue
        match = _TOCTREE_ENTRY.match(line)
        if not match:
            break                   # the end of the directive's indented body
        entries.append(match.group(1))
    return entries


def headings(path: Path) -> list[tuple[int, str]]:
    """A file's headings as (level, title), level 1 for the file's own title.

    A heading is an unindented line of text underlined by a run of one punctuation
    character at least as long as the text; indented lines (directive bodies, comments,
    math) are never headings."""
    lines = path.read_text(encoding="utf-8").splitlines()
    order: list[str] = []
    found: list[tuple[int, str]] = []
    for i in range(1, len(lines)):
        under, title = lines[i], lines[i - 1]
        if not _UNDERLINE.fullmatch(under) or not title.strip() or title[0].isspace():
            continue
        if _UNDERLINE.fullmatch(title) or len(under.rstrip()) < len(title.rstrip()):
            continue
        if title.startswith(".. "):
            continue
        char = under[0]
        if char not in order:
            order.append(char)
        found.append((order.index(char) + 1, title.strip()))
    return found


def sections(spec_dir: Path | None = None) -> dict[str, str]:
    """Every numbered section of the specification: number -> title, in document order."""
    spec_dir = Path(spec_dir) if spec_dir is not None else default_dir()
    chapters = toctree(spec_dir / "index.rst")
    if not chapters:
        raise FileNotFoundError(f"no specification sources at {spec_dir}")
    numbered: dict[str, str] = {}
    for n, entry in enumerate(chapters, start=1):
        chapter = entry.split("/")[0]
        number = APPENDIX if chapter == "appendix" else str(n)
        index = spec_dir / chapter / "index.rst"
        numbered[number] = headings(index)[0][1]
        counters: list[int] = [0]
        for doc in toctree(index):
            path = spec_dir / chapter / f"{doc}.rst"
            if doc.startswith("index-") and not path.exists():
                continue            # the appendix's indices are generated when the text is built
            for level, title in headings(path):
                counters = counters[:level] + [0] * (level - len(counters))
                counters[level - 1] += 1
                numbered[".".join([number, *map(str, counters)])] = title
    return numbered


def main(argv: list[str]) -> int:
    spec_dir = Path(argv[1]) if len(argv) > 1 and argv[1] else None
    prefix = argv[2] if len(argv) > 2 else ""
    for number, title in sections(spec_dir).items():
        if number == prefix or number.startswith(prefix + ".") or not prefix:
            print(f"{number}\t{title}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
