"""``pyic run FILE --invoke NAME [ARGS...]``: instantiate a module and call one export.

Like ``wasmtime run --invoke``: FILE is ``.wasm`` or ``.wat``; ARGS are
converted to the export's parameter types (integers in decimal or ``0x`` hex,
signed or unsigned; floats as decimal, ``inf``, ``nan`` or ``nan:0xPAYLOAD``,
or their bit pattern as ``0x...``; ``null`` for a reference).  Each result is
printed on its own line in Wasm value syntax, ``42 : i32`` (integers signed).
Imports from ``spectest`` are provided (as for the spec test suite).

``--count`` prints the invocation's instruction count to stderr (and that of
the start function, if any); ``--limit N`` stops after N instructions with an
error.  Bad input, a failed link, a trap or an exhausted limit: one line on
stderr, exit status 1.

The command has two front ends and one implementation, `run_file`, which needs no
click: the click command (`pyic.cli.run_command`: options, help, usage errors) and
`fast`, which reads a plain command line itself, so that a process running a module
does not spend its start-up importing click (issue 13).
"""

from __future__ import annotations

import os
import stat
import struct
import sys

from ..errors import PyicError, ScriptError
from ..wasm.tiers import TIERS
from .files import load_module, report_line, validate


def run_file(file: str, *, name: str | None = None, count: bool = False,
             limit: int | None = None, canonical_nan: bool = False, tier: str | None = None,
             args: tuple = ()) -> None:
    """Load, validate and instantiate the module in ``file``, call its export ``name``
    (default ``_start``) with ``args``, and print the results (and, with ``count``, the
    instruction counts).  A failure is raised for the front end to report."""
    from ..wasm import embed

    module = load_module(file).module
    validate(module)
    store, inst = instantiate(module, canonical_nan=canonical_nan, tier=tier, limit=limit)
    if count and module.start is not None:
        echo(f"start instructions: {inst.start_count}", err=True)
    export = name if name is not None else "_start"
    ev = inst.exports.get(export)
    if ev is None or ev.kind != "func":
        raise ScriptError(f"no exported function \"{export}\"")
    ft = embed.func_type(store, ev)
    if len(args) != len(ft.params):
        raise ScriptError(f"\"{export}\" takes {len(ft.params)} arguments, {len(args)} given")
    values = [parse_arg(a, t) for a, t in zip(args, ft.params)]
    try:
        results, n = embed.invoke(store, ev, values, limit=limit)
    except PyicError as e:
        if count and hasattr(e, "count"):
            echo(f"instructions: {e.count}", err=True)
        raise
    for v, t in zip(results, ft.results):
        echo(format_value(v, t))
    if count:
        echo(f"instructions: {n}", err=True)


def echo(text: str, *, err: bool = False) -> None:
    """Print a line as ``click.echo`` does, flushed at once (so that stdout and stderr
    keep their order when they are one stream).  Text click would alter (ANSI escapes,
    stripped when the stream is not a terminal) or might encode differently (not
    ASCII) is printed by click itself."""
    if not text.isascii() or "\x1b" in text:
        import click

        click.echo(text, err=err)
        return
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


# ------------------------------------------------------------------ the fast front end

# The options of `pyic.cli.run_command.run`, as `fast` reads them: option -> keyword of
# `run_file` (a test checks that the click command declares exactly these).
FLAGS = {"--count": "count", "--canonical-nan": "canonical_nan"}
VALUED = {"--invoke": "name", "--limit": "limit", "--tier": "tier"}


def parse_plain(argv: list) -> tuple | None:
    """``(file, keywords of run_file)`` for a command line (after ``run``) that click
    would read the same way without a word of its own, else None.

    The grammar is the click command's: options anywhere, ``--opt VALUE`` or
    ``--opt=VALUE``, the first other word the file and the rest its arguments, a word
    starting with one dash an argument (``-5``; click's command ignores unknown options
    and has no short ones).  Left to click: ``--help``, ``--``, an unknown or repeated
    option, a missing value, a ``--limit`` that is not a plain count, an unknown tier,
    no file, a file click's ``Path`` refuses (a directory, unreadable)."""
    keywords: dict = {}
    words = []
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if not word.startswith("--"):
            words.append(word)
            continue
        option, eq, value = word.partition("=")
        if option in VALUED and VALUED[option] not in keywords:
            if not eq:
                if i == len(argv):
                    return None
                value = argv[i]
                i += 1
            keywords[VALUED[option]] = value
        elif option in FLAGS and FLAGS[option] not in keywords and not eq:
            keywords[FLAGS[option]] = True
        else:
            return None
    if "limit" in keywords:
        limit = keywords["limit"]
        if not (limit.isascii() and limit.isdigit()):  # click's IntRange(min=0) takes more
            return None
        keywords["limit"] = int(limit)
    if "tier" in keywords and keywords["tier"] not in TIERS:
        return None
    if not words or not _plain_file(words[0]):
        return None
    keywords["args"] = tuple(words[1:])
    return words[0], keywords


def _plain_file(path: str) -> bool:
    """Whether click's ``Path(dir_okay=False, allow_dash=True)`` takes ``path`` as it is:
    ``-``, a path that does not exist (reading it fails later, as under click), or a
    readable file."""
    if path == "-":
        return True
    try:
        st = os.stat(path)
    except OSError:
        return True
    return not stat.S_ISDIR(st.st_mode) and os.access(path, os.R_OK)


def fast(argv: list) -> int | None:
    """Run ``pyic run ARGV`` without click: the exit status, or None (nothing done)
    when `parse_plain` leaves the command line to click.  Failures are reported as
    the click command reports them, interrupts as click's main does."""
    plain = parse_plain(argv)
    if plain is None:
        return None
    file, keywords = plain
    try:
        try:
            run_file(file, **keywords)
        except Exception as e:  # noqa: BLE001 - one line, as `pyic.cli.common.reporting`
            line = report_line(file, e)
            if line is None:
                raise
            echo(line, err=True)
            return 1
    except (EOFError, KeyboardInterrupt):
        echo("", err=True)
        echo("Aborted!", err=True)
        return 1
    return 0


def instantiate(module, *, canonical_nan: bool = False, tier: str | None = None,
                limit: int | None = None, imports: dict | None = None) -> tuple:
    """``(store, instance)`` of ``module`` in a fresh store.  The ``spectest`` host
    module is made only for a module that imports from it: building it imports the
    script layer (`pyic.wasm.script.commands`), which running a function does not need
    (tools/startup.py measures what that saves)."""
    from ..wasm import embed

    store = embed.Store(embed.Config(canonical_nan=canonical_nan, tier=tier))
    imports = dict(imports or {})
    if any(im.module == "spectest" for im in module.imports) and "spectest" not in imports:
        from ..wasm.script.spectest import spectest_instance

        imports["spectest"] = spectest_instance(store).exports
    return store, embed.module_instantiate(store, module, imports, limit=limit)


# ------------------------------------------------------------------ argument and result syntax

_WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}


def _parse_int(text: str, bits: int) -> int:
    s = text.replace("_", "")
    try:
        v = int(s, 0)
    except ValueError:
        raise ScriptError(f"bad argument {text!r}: not an integer") from None
    if not -(1 << (bits - 1)) <= v < (1 << bits):
        raise ScriptError(f"bad argument {text!r}: out of range for i{bits}")
    return v & ((1 << bits) - 1)


def _parse_float(text: str, bits: int) -> int:
    s = text.strip().lower()
    sign = 0
    body = s
    if body[:1] in "+-":
        sign = 1 if body[0] == "-" else 0
        body = body[1:]
    expo_bits, frac_bits = (8, 23) if bits == 32 else (11, 52)
    top = sign << (bits - 1)
    if body.startswith("nan"):
        payload = 1 << (frac_bits - 1)
        if body.startswith("nan:"):
            try:
                payload = int(body[4:], 0)
            except ValueError:
                raise ScriptError(f"bad argument {text!r}: bad NaN payload") from None
            if not 0 < payload < (1 << frac_bits):
                raise ScriptError(f"bad argument {text!r}: bad NaN payload")
        return top | (((1 << expo_bits) - 1) << frac_bits) | payload
    if body.startswith("0x") and "." not in body and "p" not in body:
        return _parse_int(s, bits)  # a bit pattern
    try:
        x = float.fromhex(s) if body.startswith("0x") else float(s)
    except ValueError:
        raise ScriptError(f"bad argument {text!r}: not a number") from None
    if bits == 64:
        return struct.unpack("<Q", struct.pack("<d", x))[0]
    try:
        return struct.unpack("<I", struct.pack("<f", x))[0]
    except OverflowError:
        return top | 0x7F80_0000


def parse_arg(text: str, t: object) -> object:
    """A command-line argument as a value of type ``t``."""
    from ..wasm.runtime.values import null
    if t in ("i32", "i64"):
        return _parse_int(text, _WIDTH[t])
    if t in ("f32", "f64"):
        return _parse_float(text, _WIDTH[t])
    if t == "v128":
        return _parse_int(text, 128)
    if text == "null":
        return null(t.heaptype)
    raise ScriptError(f"bad argument {text!r}: only null can be passed for {t}")


def _float_text(bits: int, width: int) -> str:
    expo_bits, frac_bits = (8, 23) if width == 32 else (11, 52)
    sign = "-" if bits >> (width - 1) else ""
    expo = (bits >> frac_bits) & ((1 << expo_bits) - 1)
    frac = bits & ((1 << frac_bits) - 1)
    if expo == (1 << expo_bits) - 1:
        if frac == 0:
            return sign + "inf"
        if frac == 1 << (frac_bits - 1):
            return sign + "nan"
        return f"{sign}nan:{frac:#x}"
    if width == 64:
        return repr(struct.unpack("<d", struct.pack("<Q", bits))[0])
    x = struct.unpack("<f", struct.pack("<I", bits))[0]
    for digits in range(1, 10):  # the shortest text that reads back as the same f32
        s = f"{x:.{digits}g}"
        if struct.unpack("<I", struct.pack("<f", float(s)))[0] == bits:
            return s
    return repr(x)


def format_value(v: object, t: object) -> str:
    """``42 : i32``, ``-1.5 : f64``, ``0x...: v128``, ``null : funcref``."""
    if t in ("i32", "i64"):
        bits = _WIDTH[t]
        signed = v - (1 << bits) if v >> (bits - 1) else v
        return f"{signed} : {t}"
    if t in ("f32", "f64"):
        return f"{_float_text(v, _WIDTH[t])} : {t}"
    if t == "v128":
        return f"{v:#034x} : v128"
    from ..wasm.runtime.values import ExternRef, FuncRef, NullRef
    ty = f"{t.heaptype}ref" if isinstance(t.heaptype, str) else f"(ref {t.heaptype})"
    if isinstance(v, NullRef):
        return f"null : {ty}"
    if isinstance(v, FuncRef):
        return f"func {v.addr} : {ty}"
    if isinstance(v, ExternRef):
        return f"extern {v.value} : {ty}"
    return f"{v!r} : {ty}"
