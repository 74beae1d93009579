"""Matching returned values against a script's result patterns (``assert_return``).

Values and patterns are the script's own (`commands`): numbers and lanes are
bit patterns, so matching is exact integer comparison, as in the reference
interpreter's ``assert_result``:

* a number matches a number of the same type with the same bits;
* ``nan:canonical`` matches exactly the two canonical NaNs (either sign, 2.2.3 "Floating-Point");
* ``nan:arithmetic`` matches every NaN whose payload's top bit is set;
* a ``v128`` pattern is compared lane by lane in the pattern's shape, whatever
  shape the engine used for the value;
* ``(either r*)`` matches when one alternative does.
"""

from __future__ import annotations

from .commands import Either, NanPattern, Num, RefValue, Vec

# Lane shapes of v128 (2.4.9 "Vector Instructions": ``shape``): lane type, lane width in bits,
# number of lanes.
SHAPES = {
    "i8x16": ("i8", 8, 16), "i16x8": ("i16", 16, 8), "i32x4": ("i32", 32, 4),
    "i64x2": ("i64", 64, 2), "f32x4": ("f32", 32, 4), "f64x2": ("f64", 64, 2),
}

WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}

# The sign-less canonical NaN bits, and the mask that an arithmetic NaN fills (2.2.3).
CANONICAL_NAN = {"f32": 0x7FC0_0000, "f64": 0x7FF8_0000_0000_0000}


def vec_bits(vec: Vec) -> int | None:
    """The 128-bit pattern of a `Vec` value (lane 0 in the low bits), or ``None``
    if a lane is not a plain bit pattern."""
    if vec.shape not in SHAPES:
        return None
    _, width, count = SHAPES[vec.shape]
    if len(vec.lanes) != count:
        return None
    bits = 0
    for index, lane in enumerate(vec.lanes):
        if not isinstance(lane, int):
            return None
        bits |= (lane & ((1 << width) - 1)) << (index * width)
    return bits


def lanes_of(bits: int, shape: str) -> tuple:
    """The lanes (bit patterns) of a 128-bit pattern in ``shape``."""
    _, width, count = SHAPES[shape]
    mask = (1 << width) - 1
    return tuple((bits >> (index * width)) & mask for index in range(count))


def match_nan(bits: int, pattern: NanPattern) -> bool:
    """Whether float bits (of ``pattern.type``) match ``nan:canonical``/``nan:arithmetic``."""
    canonical = CANONICAL_NAN[pattern.type]
    magnitude = bits & ((1 << (WIDTH[pattern.type] - 1)) - 1)
    if pattern.kind == "canonical":
        return magnitude == canonical
    return magnitude & canonical == canonical


def match_result(value: object, pattern: object) -> bool:
    """Whether one returned value matches one result pattern."""
    if isinstance(pattern, Either):
        return any(match_result(value, alternative) for alternative in pattern.alternatives)
    if isinstance(pattern, NanPattern):
        return (isinstance(value, Num) and value.type == pattern.type
                and match_nan(value.bits, pattern))
    if isinstance(pattern, Num):
        return (isinstance(value, Num) and value.type == pattern.type
                and value.bits & _mask(pattern.type) == pattern.bits & _mask(pattern.type))
    if isinstance(pattern, Vec):
        return isinstance(value, Vec) and _match_vec(value, pattern)
    if isinstance(pattern, RefValue):
        return isinstance(value, RefValue) and match_ref(value, pattern)
    return False


def match_results(values: tuple, patterns: tuple) -> bool:
    return len(values) == len(patterns) and all(map(match_result, values, patterns))


def _mask(type_: str) -> int:
    return (1 << WIDTH.get(type_, 128)) - 1


def _match_vec(value: Vec, pattern: Vec) -> bool:
    bits = vec_bits(value)
    if bits is None or pattern.shape not in SHAPES:
        return False
    lane_type, width, count = SHAPES[pattern.shape]
    if len(pattern.lanes) != count:
        return False
    for lane, expected in zip(lanes_of(bits, pattern.shape), pattern.lanes):
        if isinstance(expected, NanPattern):
            if not match_nan(lane, expected):
                return False
        elif lane != expected & ((1 << width) - 1):
            return False
    return True


# Result-only reference classes (``(ref.func)``, ``(ref.eq)`` ...): the kinds of
# non-null reference each one accepts.
REF_CLASSES = {
    "func": {"func"},
    "exn": {"exn"},
    "i31": {"i31"},
    "struct": {"struct"},
    "array": {"array"},
    "eq": {"i31", "struct", "array"},
    "any": {"any", "host", "i31", "struct", "array", "eq"},
}


def match_ref(value: RefValue, pattern: RefValue) -> bool:
    """Whether a returned reference matches a reference pattern.

    ``(ref.null t?)`` matches any null reference (the engine need not report the
    null's precise heap type); ``(ref.extern n)``/``(ref.host n)`` match that host
    reference; ``(ref.extern)`` without a number and the classes in `REF_CLASSES`
    match any non-null reference of that class.
    """
    if pattern.kind == "null":
        return value.kind == "null"
    if value.kind == "null":
        return False
    if pattern.kind in ("extern", "host"):
        if pattern.kind == "extern" and pattern.value is None:
            return True  # every non-null reference can be seen as external
        return value.kind == pattern.kind and (
            pattern.value is None or value.value == pattern.value)
    return value.kind in REF_CLASSES.get(pattern.kind, {pattern.kind})
