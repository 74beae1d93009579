"""Where the commands of a script start, without parsing it.

The spec tests make one pytest item per command (``file.wast:line``) and must know the
items before any file runs; parsing every script at collection would cost as much as
the run's own parse.  `command_lines` scans only the text format's lexical structure
(6.2.2 tokens, 6.2.4 comments, 6.3.3 strings) for the top-level parentheses: a form
the parser would reject still counts, and its item then fails.
"""

from __future__ import annotations

import re

# The tokens that matter for nesting outside comments: block comment openers, line
# comments, strings (which may hold parentheses and escaped quotes), parentheses.
_TOKEN = re.compile(r'\(;|;;[^\n]*|"(?:[^"\\\n]|\\.)*"|[()]')
# Inside a block comment only its delimiters count (``;;`` there is no line comment).
_IN_COMMENT = re.compile(r"\(;|;\)")

# The first word of a script command (a script that starts with a module field is one
# inline module, 6.6.13 / the reference interpreter's script grammar).
_KEYWORD = re.compile(r"[a-z_]+")
_SPACE = re.compile(r"[ \t\n\r]*")
SCRIPT_KEYWORDS = frozenset((
    "module", "register", "invoke", "get", "thread", "wait", "script", "input", "output",
))


def command_lines(text: str) -> list[int]:
    """The line of each top-level form of a script, in order: where the runner reports
    each command (`pyic.wasm.text.script` numbers a command by its opening parenthesis).
    A scan of the text format's lexical structure (6.2: comments, strings), not a parse:
    a form the parser would reject still gets its item, which then fails."""
    return [line for line, _ in commands(text)]


def commands(text: str) -> list[tuple[int, str]]:
    """`command_lines`, each with the command's keyword (``module``, ``assert_return``
    ...; ``module`` for a script that is one inline module)."""
    lines: list[int] = []
    keywords: list[str] = []
    first = -1           # offset of the first top-level form
    depth = 0
    line = 1
    last = 0             # offset up to which newlines are counted in ``line``
    pos = 0
    while True:
        match = _TOKEN.search(text, pos)
        if match is None:
            break
        token = match.group()
        pos = match.end()
        if token == "(;":
            pos = skip_block_comment(text, pos)
        elif token == "(":
            if depth == 0:
                line += text.count("\n", last, match.start())
                last = match.start()
                lines.append(line)
                keywords.append(_keyword_after(text, match.end()))
                first = match.start() if first < 0 else first
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
    if keywords and keywords[0] and keywords[0] not in SCRIPT_KEYWORDS \
            and not keywords[0].startswith("assert_"):
        return [(lines[0], "module")]
    return list(zip(lines, keywords))


def skip_block_comment(text: str, pos: int) -> int:
    """The offset after the block comment whose ``(;`` ends at ``pos`` (comments nest)."""
    nesting = 1
    while nesting:
        match = _IN_COMMENT.search(text, pos)
        if match is None:
            return len(text)
        nesting += 1 if match.group() == "(;" else -1
        pos = match.end()
    return pos


def _keyword_after(text: str, pos: int) -> str:
    """The keyword after the ``(`` that ends at ``pos``, past white space and comments
    (6.2.3, 6.2.4); ``""`` when there is none."""
    while True:
        pos = _SPACE.match(text, pos).end()
        if text.startswith(";;", pos):
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif text.startswith("(;", pos):
            pos = skip_block_comment(text, pos + 2)
        else:
            word = _KEYWORD.match(text, pos)
            return word.group() if word else ""
