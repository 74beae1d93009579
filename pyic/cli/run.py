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
"""

from __future__ import annotations

import struct

import click

from ..wasm.tiers import TIERS

from ..errors import PyicError, ScriptError
from .common import load_module, reporting, validate


@click.command("run", context_settings={"ignore_unknown_options": True})
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--invoke", "name", metavar="NAME", default=None,
              help="The exported function to call (default: _start).")
@click.option("--count", is_flag=True, help="Print the instruction count on stderr.")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Stop with an error after N instructions.")
@click.option("--canonical-nan", is_flag=True, help="Produce only canonical NaNs (IC semantics).")
@click.option("--tier", type=click.Choice(TIERS), default=None,
              help="Execution tier (identical results and counts; default: fast).")
@click.argument("args", nargs=-1)
def run(file: str, name: str | None, count: bool, limit: int | None, canonical_nan: bool,
        tier: str | None, args: tuple) -> None:
    """Run a Wasm module's export (.wasm or .wat) and print its results."""
    from ..wasm import embed

    with reporting(file):
        module = load_module(file).module
        validate(module)
        store, inst = instantiate(module, canonical_nan=canonical_nan, tier=tier, limit=limit)
        if count and module.start is not None:
            click.echo(f"start instructions: {inst.start_count}", err=True)
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
                click.echo(f"instructions: {e.count}", err=True)
            raise
        for v, t in zip(results, ft.results):
            click.echo(format_value(v, t))
        if count:
            click.echo(f"instructions: {n}", err=True)


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
