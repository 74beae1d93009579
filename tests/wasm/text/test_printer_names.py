"""wasm2wat keeps a name section whose function names the printed ``$id``s cannot carry.

A name map may name a function index the module does not have (the name section is a
custom section: its contents are not validated, spec 7.4.1 and 5.5.3).  Such a name is
printed nowhere but in the section, so the section prints as an ``@custom`` annotation
(docs/proposals.md, "Annotations") and comes back byte for byte.  Found by wasmtime's
tests/misc_testsuite/empty.wast, whose name section names function u32::MAX.
"""

from __future__ import annotations

from pyic.wasm.binary.decode import decode_module
from pyic.wasm.binary.encode import encode_module
from pyic.wasm.features import using
from pyic.wasm.text import parse_module
from pyic.wasm.text.printer import print_module

HEADER = b"\x00asm\x01\x00\x00\x00"
# name section, function names subsection: one entry, index u32::MAX, empty name
NAME_MAX = b"\x00\x0e\x04name" + b"\x01\x07\x01\xff\xff\xff\xff\x0f\x00"


def roundtrip(binary: bytes) -> tuple[str, bytes]:
    text = print_module(decode_module(binary))
    with using({"annotations"}):
        return text, encode_module(parse_module(text))


def test_name_of_no_function_prints_as_custom_section():
    text, again = roundtrip(HEADER + NAME_MAX)
    assert '(@custom "name"' in text
    assert again == HEADER + NAME_MAX


def test_names_of_functions_still_print_as_ids():
    binary = encode_module(parse_module("(module (func $f) (func $g))"))
    text, again = roundtrip(binary)
    assert "$f" in text and "@custom" not in text
    assert again == binary
