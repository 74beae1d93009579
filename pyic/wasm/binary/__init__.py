"""The binary format (spec chapter 5): `decode_module` and `encode_module`.

reader.py        5.2 values: bounds-checked LEB128 integers, floats, names, vectors
types.py         5.3 types
instructions.py  5.4 instructions and expressions
decode.py        5.5 sections and modules
names.py         appendix A.7.1, the name section
encode.py        the other way round

``decode_module(data, version=2)`` reads the Wasm 2.0 binary format (the
``version`` travels on the `reader.Reader`); 3, the default, is Wasm 3.0.

`encode_module` is imported on first use: running a module never encodes one,
and ``pyic run`` should not pay for compiling the encoder (tools/startup.py).
"""

from .decode import decode_module  # noqa: F401

__all__ = ["decode_module", "encode_module"]


def __getattr__(name: str):
    if name == "encode_module":
        from .encode import encode_module
        return encode_module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
