"""The canister module format: from the bytes given to ``install_code`` to a
validated Wasm module and what the IC needs of it (interface spec, "Canister
module format" and "WebAssembly module requirements"): gzip unpacked within
bounds, decoded and validated, the ``ic0`` imports and ``canister_*`` exports
checked, the ``icp:`` custom sections read.  `pyic.ic.wasm_canister` binds the
result to the System API."""

from __future__ import annotations

import gzip
import hashlib
import zlib

from ..errors import ICError, InvalidError, MalformedError, PyicError
from ..wasm import embed
from ..wasm.syntax.types import FuncType
from .system_api import SYSTEM_API

GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_MODULE_BYTES = 100 * 1024 * 1024
UNIT = FuncType((), ())
# "The IC may reject WebAssembly modules that ..." (module requirements).
MAX_FUNCTIONS = 50_000
MAX_GLOBALS = 1_000
MAX_ICP_SECTIONS = 16
MAX_METHODS = 1_000
MAX_METHOD_NAME_BYTES = 20_000
MAX_ICP_SECTION_BYTES = 1 << 20

SYSTEM_EXPORTS = ("canister_init", "canister_inspect_message", "canister_pre_upgrade",
                  "canister_post_upgrade", "canister_heartbeat", "canister_on_low_wasm_memory",
                  "canister_global_timer")
METHOD_PREFIXES = ("canister_update ", "canister_query ", "canister_composite_query ")


def decode_canister_module(raw_module: bytes) -> tuple:
    """``(module, info, public sections, private sections)`` of ``raw_module``, or
    `ICError`.  Decoding and validating are pure functions of the bytes, so the
    result is cached by the module's hash."""
    key = hashlib.sha256(raw_module).digest()
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = _parse(bytes(raw_module))
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = parsed
    return parsed


_PARSED: dict = {}
_PARSED_MAX = 32


def _parse(data: bytes) -> tuple:
    if data[:3] == GZIP_MAGIC:
        data = _gunzip(data)
    try:
        module = embed.module_decode(data)
        embed.module_validate(module)
    except MalformedError as e:
        raise ICError(f"Wasm module is malformed: {e.message}") from None
    except InvalidError as e:
        raise ICError(f"Wasm module is invalid: {e.message}") from None
    except PyicError as e:
        raise ICError(f"Wasm module cannot be decoded: {e.message}") from None
    public, private = _custom_sections(module)
    return module, _check_module(module), public, private


def _gunzip(data: bytes) -> bytes:
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(data, MAX_MODULE_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile, EOFError) as e:
        raise ICError(f"Wasm module is not a valid gzip stream: {e}") from None
    if len(out) > MAX_MODULE_BYTES:
        raise ICError(f"Wasm module is larger than {MAX_MODULE_BYTES} bytes once decompressed")
    return out


def _check_module(module) -> dict:
    """"WebAssembly module requirements": the pointer width and the entry points,
    or `ICError`."""
    types = tuple(st.comptype for st in module.deftypes())
    mems = [im.desc for im in module.imports if im.kind == "memory"] + \
        [m.type for m in module.mems]
    if len(mems) > 1:
        raise ICError("Wasm module declares more than one memory")
    width = mems[0].limits.addrtype if mems else "i32"
    if len(module.funcs) + sum(im.kind == "func" for im in module.imports) > MAX_FUNCTIONS:
        raise ICError(f"Wasm module declares more than {MAX_FUNCTIONS} functions")
    if len(module.globals) > MAX_GLOBALS:
        raise ICError(f"Wasm module declares more than {MAX_GLOBALS} globals")
    imports = []
    for im in module.imports:
        if im.kind != "func":
            raise ICError(f"Wasm module imports {im.kind} \"{im.module}\" \"{im.name}\": "
                          "a canister may import only ic0 functions")
        entry = SYSTEM_API.get(im.name) if im.module == "ic0" else None
        if entry is None or (entry.i32_only and width == "i64"):
            raise ICError(f"Wasm module imports an unknown System API function "
                          f"\"{im.module}\" \"{im.name}\"")
        expected = entry.functype(width)
        if types[im.desc] != expected:
            raise ICError(f"Wasm module imports \"ic0\" \"{im.name}\" with the wrong type: "
                          f"expected {sig_text(expected)}, got {sig_text(types[im.desc])}")
        imports.append((entry, expected))
    func_types = [types[im.desc] for im in module.imports if im.kind == "func"] + \
        [types[f.typeidx] for f in module.funcs]
    methods: dict = {"update": {}, "query": {}, "composite_query": {}}
    system: dict = {}
    names_len = 0
    for ex in module.exports:
        if not ex.name.startswith("canister_"):
            continue
        if ex.kind != "func":
            raise ICError(f"Wasm module exports a {ex.kind} named \"{ex.name}\"")
        if func_types[ex.index] != UNIT:
            raise ICError(f"Wasm module exports \"{ex.name}\" with type "
                          f"{sig_text(func_types[ex.index])}; it must be () -> ()")
        if ex.name in SYSTEM_EXPORTS:
            system[ex.name] = ex.index
            continue
        for prefix in METHOD_PREFIXES:
            if ex.name.startswith(prefix):
                name = ex.name[len(prefix):]
                if any(name in m for m in methods.values()):
                    raise ICError(f"Wasm module exports the method \"{name}\" more than once")
                methods[prefix[len("canister_"):-1]][name] = ex.index
                names_len += len(name.encode())
                break
        else:
            raise ICError(f"Wasm module exports \"{ex.name}\": no other exports may start "
                          "with \"canister_\"")
    if sum(len(m) for m in methods.values()) > MAX_METHODS:
        raise ICError(f"Wasm module exports more than {MAX_METHODS} methods")
    if names_len > MAX_METHOD_NAME_BYTES:
        raise ICError(f"Wasm module's method names are longer than {MAX_METHOD_NAME_BYTES} "
                      "bytes in all")
    callback_type = FuncType((width,), ())
    return {"width": width, "imports": imports, "methods": methods, "system": system,
            "callback_type": callback_type}


def sig_text(ft: FuncType) -> str:
    from ..wasm.text.printer import valtype_text    # reference types are records, not names
    params = ", ".join(map(valtype_text, ft.params))
    results = ", ".join(map(valtype_text, ft.results))
    return f"({params}) -> ({results})"


def _custom_sections(module) -> tuple[dict, dict]:
    """``icp:public <name>`` / ``icp:private <name>`` sections; other ``icp:`` names are invalid."""
    public: dict = {}
    private: dict = {}
    total = 0
    for c in module.customs:
        if not c.name.startswith("icp:"):
            continue
        if c.name.startswith("icp:public "):
            target, name = public, c.name[len("icp:public "):]
        elif c.name.startswith("icp:private "):
            target, name = private, c.name[len("icp:private "):]
        else:
            raise ICError(f"Wasm module has an invalid custom section \"{c.name}\"")
        if name in public or name in private:
            raise ICError(f"Wasm module has two custom sections named \"{name}\"")
        target[name] = bytes(c.data)
        total += len(name.encode()) + len(c.data)
    if len(public) + len(private) > MAX_ICP_SECTIONS:
        raise ICError(f"Wasm module has more than {MAX_ICP_SECTIONS} icp: custom sections")
    if total > MAX_ICP_SECTION_BYTES:
        raise ICError("Wasm module's icp: custom sections are larger than 1 MiB in all")
    return public, private

