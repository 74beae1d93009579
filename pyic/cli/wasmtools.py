"""``pyic validate``, ``pyic inspect``, ``pyic wat2wasm``, ``pyic wasm2wat``:
the module tools.

Each reads a module from a binary (``\\0asm``) or text (``.wat``, first module
of a ``.wast``) file; see `pyic.cli.common` for how failures are reported.
"""

from __future__ import annotations

import json
import os

import click

from ..errors import MalformedError, Position
from ..wasm.features import FEATURES, using
from .common import Loaded, load_module, reporting, validate as validate_syntax, write_output

# 5.5.2 section ids
SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
    6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
    12: "datacount", 13: "tag",
}


def _feature_option(f):
    return click.option(
        "--feature", "features", multiple=True, metavar="NAME",
        type=click.Choice(sorted(FEATURES)),
        help="Enable a proposal beyond Wasm 3.0 (repeatable; docs/proposals.md); "
             "annotations are always on here.")(f)


def _features(features: tuple):
    """The module tools read ``(@custom ...)`` and ``(@name ...)`` always, so that
    ``wasm2wat | wat2wasm`` keeps custom sections and names."""
    return using(set(features) | {"annotations"})


# ---------------------------------------------------------------- validate

@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_feature_option
def validate(files: tuple, features: tuple) -> None:
    """Decode or parse each FILE and validate it: prints FILE: valid."""
    failed = False
    for path in files:
        try:
            with reporting(path), _features(features):
                validate_syntax(load_module(path).module)
        except click.ClickException as e:
            e.show()
            failed = True
            continue
        click.echo(f"{path}: valid")
    if failed:
        raise click.exceptions.Exit(1)


# ---------------------------------------------------------------- wat2wasm / wasm2wat

def _default_output(path: str, suffix: str) -> str:
    if path == "-":
        return "-"
    root, ext = os.path.splitext(path)
    return (root if ext.lower() in (".wat", ".wast", ".wasm") else path) + suffix


@click.command("wat2wasm")
@click.argument("input_path", metavar="IN")
@click.option("-o", "--output", "output", metavar="OUT",
              help="Where to write the binary (default: IN with .wasm; - for stdout).")
@click.option("--no-validate", is_flag=True, help="Do not validate the module first.")
@_feature_option
def wat2wasm(input_path: str, output: str | None, no_validate: bool, features: tuple) -> None:
    """Translate a text module (IN) to the binary format (custom sections from
    ``(@custom ...)`` annotations, names from ids and ``(@name ...)``)."""
    with reporting(input_path), _features(features):
        module = load_module(input_path).module
        if not no_validate:
            validate_syntax(module)
        from ..wasm.binary import encode_module

        data = encode_module(module)
    out = output or _default_output(input_path, ".wasm")
    if out != "-" and os.path.abspath(out) == os.path.abspath(input_path):
        raise click.UsageError("the output would overwrite the input; give -o OUT")
    with reporting(out):
        write_output(out, data)


@click.command("wasm2wat")
@click.argument("input_path", metavar="IN")
@click.option("-o", "--output", "output", metavar="OUT", default="-",
              help="Where to write the text (default: stdout).")
@click.option("--no-validate", is_flag=True, help="Do not validate the module first.")
@_feature_option
def wasm2wat(input_path: str, output: str, no_validate: bool, features: tuple) -> None:
    """Translate a binary module (IN) to the text format (custom sections as
    ``(@custom ...)`` annotations, debug names as ids or ``(@name ...)``)."""
    with reporting(input_path), _features(features):
        module = load_module(input_path).module
        if not no_validate:
            validate_syntax(module)
        from ..wasm.text.printer import print_module

        text = print_module(module)
    with reporting(output if output != "-" else None):
        write_output(output, text)


# ---------------------------------------------------------------- inspect

def _u32(data: bytes, pos: int, end: int) -> tuple:
    """5.2.2 an unsigned LEB128 (at most 5 bytes)."""
    result = shift = 0
    for _ in range(5):
        if pos >= end:
            raise MalformedError("unexpected end", Position(offset=pos))
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    raise MalformedError("integer representation too long", Position(offset=pos))


def binary_sections(data: bytes) -> list:
    """5.5.2 the sections of a binary module: id, name, offset (of the id
    byte), size (of the contents), and a custom section's name."""
    if data[:4] != b"\0asm" or len(data) < 8:
        raise MalformedError("magic header not detected", Position(offset=0))
    pos, end = 8, len(data)
    out = []
    while pos < end:
        start, sid = pos, data[pos]
        size, pos = _u32(data, pos + 1, end)
        if pos + size > end:
            raise MalformedError("length out of bounds", Position(offset=pos))
        entry = {"id": sid, "name": SECTION_NAMES.get(sid, f"unknown {sid}"), "offset": start,
                 "contents_offset": pos, "size": size}
        if sid == 0:
            n, p = _u32(data, pos, pos + size)
            entry["custom_name"] = data[p:p + n].decode("utf-8", "replace")
        out.append(entry)
        pos += size
    return out


def code_body_sizes(data: bytes, sections: list) -> list:
    """5.5.13 the size of each code entry (locals and body), in order."""
    for s in sections:
        if s["id"] == 10:
            pos, end = s["contents_offset"], s["contents_offset"] + s["size"]
            count, pos = _u32(data, pos, end)
            sizes = []
            for _ in range(count):
                size, pos = _u32(data, pos, end)
                sizes.append(size)
                pos += size
            return sizes
    return []


def describe(loaded: Loaded) -> dict:
    """Everything ``inspect`` shows, as plain data."""
    from ..wasm.text.printer import (
        functype_text, globaltype_text, memtype_text, subtype_text, tabletype_text,
    )
    from ..wasm.syntax.types import FuncType

    m = loaded.module
    binary = loaded.binary
    if binary is None:  # text: describe the binary it encodes to
        from ..wasm.binary import encode_module

        binary = encode_module(m)
    sections = binary_sections(binary)
    deftypes = m.deftypes()

    def signature(x: int) -> str:
        if 0 <= x < len(deftypes) and isinstance(deftypes[x].comptype, FuncType):
            return functype_text(deftypes[x].comptype)
        return "?"

    def desc_text(kind: str, desc: object) -> str:
        if kind == "func":
            return f"(type {desc}) {signature(desc)}"  # type: ignore[arg-type]
        if kind == "tag":
            x = getattr(desc, "typeidx", desc)
            return f"(type {x}) {signature(x)}"  # type: ignore[arg-type]
        if kind == "table":
            return tabletype_text(desc)  # type: ignore[arg-type]
        if kind == "memory":
            return memtype_text(desc)  # type: ignore[arg-type]
        return globaltype_text(desc)  # type: ignore[arg-type]

    exports: dict = {}
    for ex in m.exports:
        exports.setdefault((ex.kind, ex.index), []).append(ex.name)
    names = dict(m.names.funcs) if m.names is not None else {}
    imported = {k: [im for im in m.imports if im.kind == k]
                for k in ("func", "table", "memory", "global", "tag")}
    sizes = code_body_sizes(binary, sections)

    funcs = []
    for x, im in enumerate(imported["func"]):
        funcs.append({"index": x, "type": im.desc, "signature": signature(im.desc),
                      "import": [im.module, im.name]})
    base = len(imported["func"])
    for i, f in enumerate(m.funcs):
        funcs.append({"index": base + i, "type": f.typeidx, "signature": signature(f.typeidx),
                      "locals": len(f.locals),
                      "body_size": sizes[i] if i < len(sizes) else None})
    for entry in funcs:
        if entry["index"] in names:
            entry["name"] = names[entry["index"]]
        entry["exports"] = exports.get(("func", entry["index"]), [])

    def space(kind: str, defined: tuple, text) -> list:
        out = []
        for x, im in enumerate(imported[kind]):
            out.append({"index": x, "type": desc_text(kind, im.desc),
                        "import": [im.module, im.name], "exports": exports.get((kind, x), [])})
        for i, d in enumerate(defined, len(imported[kind])):
            out.append({"index": i, "type": text(d), "exports": exports.get((kind, i), [])})
        return out

    return {
        "file": loaded.path,
        "format": "binary" if loaded.binary is not None else "text",
        "size": len(binary),
        "sections": [{k: v for k, v in s.items() if k != "contents_offset"} for s in sections],
        "rec_groups": len(m.types),
        "types": [subtype_text(st) for st in deftypes],
        "imports": [{"module": im.module, "name": im.name, "kind": im.kind,
                     "type": desc_text(im.kind, im.desc)} for im in m.imports],
        "functions": funcs,
        "tables": space("table", m.tables, lambda t: tabletype_text(t.type)),
        "memories": space("memory", m.mems, lambda t: memtype_text(t.type)),
        "globals": space("global", m.globals, lambda g: globaltype_text(g.type)),
        "tags": space("tag", m.tags, lambda t: desc_text("tag", t.type)),
        "exports": [{"name": ex.name, "kind": ex.kind, "index": ex.index} for ex in m.exports],
        "start": m.start.func if m.start is not None else None,
        "elements": len(m.elems),
        "data": len(m.datas),
        "custom_sections": [s["custom_name"] for s in sections if s["id"] == 0],
    }


def _print_description(d: dict) -> None:
    from ..wasm.text.printer import is_idname, name_text as q

    echo = click.echo
    how = "binary" if d["format"] == "binary" else "text (sections as encoded)"
    echo(f"{d['file']}: {how}, {d['size']} bytes")
    echo(f"sections: {len(d['sections'])}")
    for s in d["sections"]:
        extra = f' {q(s["custom_name"])}' if "custom_name" in s else ""
        echo(f"  {s['name']:<10} offset {s['offset']:#010x}  size {s['size']:>8}{extra}")
    echo(f"types: {len(d['types'])} in {d['rec_groups']} rec groups")
    for x, t in enumerate(d["types"]):
        echo(f"  {x}: {t}")
    echo(f"imports: {len(d['imports'])}")
    for im in d["imports"]:
        echo(f'  {im["kind"]} {q(im["module"])} {q(im["name"])}: {im["type"]}')
    nimp = sum(1 for f in d["functions"] if "import" in f)
    echo(f"functions: {len(d['functions'])} ({nimp} imported)")
    for f in d["functions"]:
        parts = [f"  {f['index']}:"]
        if "name" in f:
            parts.append(f"${f['name']}" if is_idname(f["name"]) else f"(name {q(f['name'])})")
        parts.append(f"(type {f['type']}) {f['signature']}")
        if "import" in f:
            parts.append(f'imported {q(f["import"][0])} {q(f["import"][1])}')
        else:
            parts.append(f"locals {f['locals']}, body {f['body_size']} bytes")
        parts.extend(f"export {q(n)}" for n in f["exports"])
        echo(" ".join(parts))
    for key, title in (("tables", "tables"), ("memories", "memories"),
                       ("globals", "globals"), ("tags", "tags")):
        echo(f"{title}: {len(d[key])}")
        for e in d[key]:
            parts = [f"  {e['index']}: {e['type']}"]
            if "import" in e:
                parts.append(f'imported {q(e["import"][0])} {q(e["import"][1])}')
            parts.extend(f"export {q(n)}" for n in e["exports"])
            echo(" ".join(parts))
    echo(f"exports: {len(d['exports'])}")
    for ex in d["exports"]:
        echo(f'  {q(ex["name"])}: {ex["kind"]} {ex["index"]}')
    if d["start"] is not None:
        echo(f"start: function {d['start']}")
    echo(f"element segments: {d['elements']}")
    echo(f"data segments: {d['data']}")
    names = ", ".join(q(n) for n in d["custom_sections"]) or "none"
    echo(f"custom sections: {names}")


@click.command("inspect")
@click.argument("input_path", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
def inspect(input_path: str, as_json: bool) -> None:
    """Show a module's sections, types, imports, functions and exports."""
    with reporting(input_path):
        description = describe(load_module(input_path))
    if as_json:
        click.echo(json.dumps(description, indent=2))
    else:
        _print_description(description)
