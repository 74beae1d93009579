"""Candid without Python's limits (issue 17): numbers of any length printed and parsed in
subquadratic time without ``sys.set_int_max_str_digits``, values nested thousands deep
encoded without recursion, and every failure a `CandidError` with a position."""

import sys
import time

import pytest
from click.testing import CliRunner

from pyic.candid import decode_to_text, encode_text
from pyic.candid import lexer as L
from pyic.candid.binary import encode
from pyic.candid.types import NAT, OptType, intern_types
from pyic.cli.candid import decode as decode_cmd
from pyic.cli.candid import encode as encode_cmd
from pyic.errors import CandidError


@pytest.mark.parametrize("digits", [1, 1999, 2000, 2001, 4300, 4301, 10_000, 100_003])
def test_decimal_conversions_round_trip_beyond_the_int_str_limit(digits):
    assert sys.get_int_max_str_digits() in (0, 4300)   # the interpreter's default is left alone
    text = "".join(str((i * 7 + 3) % 10) for i in range(digits)).lstrip("0") or "0"
    n = L.decimal_to_int(text)
    assert L.int_to_decimal(n) == text
    assert L.int_to_decimal(-n) == ("-" + text if n else "0")
    # against Python's own conversion where it is allowed
    if digits <= 4300:
        assert n == int(text)


def test_a_power_of_ten_and_its_neighbours():
    p = L.decimal_to_int("1" + "0" * 50_000)
    assert L.int_to_decimal(p) == "1" + "0" * 50_000
    assert L.int_to_decimal(p - 1) == "9" * 50_000
    assert L.int_to_decimal(p + 1) == "1" + "0" * 49_999 + "1"


def test_a_1_mb_nat_decodes_and_prints_in_time():
    n = (1 << 8_000_000) - 12345
    message = encode([n], [NAT])
    t0 = time.process_time()
    r = CliRunner().invoke(decode_cmd, [message.hex()])
    cpu = time.process_time() - t0
    assert r.exit_code == 0
    text = r.output.strip()
    assert text.startswith("(") and text.endswith(" : nat)")
    assert L.decimal_to_int(text[1:-7]) == n
    assert cpu < 10.0    # generous; measured 0.96 s (was 46 s)


@pytest.mark.parametrize("bits", [255, 256, 257, 1000, 4097, 20_000])
def test_long_leb128_groups_match_the_package(bits):
    import random

    import leb128

    from pyic.candid.binary import leb128 as uleb, sleb128
    rng = random.Random(bits)
    for _ in range(20):
        n = rng.getrandbits(bits) | (1 << (bits - 1))
        for v in (n, n - 1, 1 << bits, (1 << bits) - 1):
            assert uleb(v) == bytes(leb128.u.encode(v))
            assert sleb128(v) == bytes(leb128.i.encode(v))
            assert sleb128(-v) == bytes(leb128.i.encode(-v))


def test_a_1_mb_nat_encodes_in_time():
    n = (1 << 8_000_000) - 1
    t0 = time.process_time()
    data = encode([n], [NAT])
    cpu = time.process_time() - t0
    # 8,000,000 one bits: 1,142,857 full groups of seven, then a group holding the last one
    assert len(data) == 7 + 1_142_858 and data.endswith(b"\xff" * 1000 + b"\x01")
    assert cpu < 10.0    # generous; measured 0.18 s (was 87 s through the package)


@pytest.mark.parametrize("literal, message", [
    ("(" + "9" * 10_000 + " : nat8)",
     "1:2: number 99999999999999999999... (10000 digits) is out of range"),
    ("(record { " + "9" * 10_000 + " = 1 })",
     "field id 99999999999999999999... (10000 digits) is not a u32"),
    ("(" + "9" * 10_000 + " " + "9" * 10_000 + ")", "(10000 digits)"),
])
def test_long_literals_fail_as_candid_errors_with_positions(literal, message):
    with pytest.raises(CandidError) as e:
        encode_text(literal)
    assert message in str(e.value)
    r = CliRunner().invoke(encode_cmd, [literal])
    assert r.exit_code == 1 and r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output


def test_a_10000_digit_literal_encodes_and_decodes():
    text = "7" * 10_000
    data = encode_text(f"({text} : nat)")
    assert decode_to_text(data) == f"({text} : nat)"
    r = CliRunner().invoke(encode_cmd, [f"({text})"])
    assert r.exit_code == 0 and r.output.strip() == encode_text(f"({text})").hex()


@pytest.mark.parametrize("depth", [300, 5000, 9000])
def test_deep_options_encode_and_decode_without_recursion(depth):
    text = "(" + "opt " * depth + "5)"
    data = encode_text(text)
    out = decode_to_text(data)
    assert out == "(" + "opt " * depth + "(5 : int))"
    r = CliRunner().invoke(encode_cmd, [text])
    assert r.exit_code == 0 and r.output.strip() == data.hex()


def test_nesting_beyond_the_limit_is_a_candid_error():
    with pytest.raises(CandidError, match="nesting deeper") as e:
        encode_text("(" + "opt " * 20_000 + "5)")
    assert str(e.value).startswith("1:")          # where the parser was: a position
    with pytest.raises(CandidError, match="nesting deeper"):
        encode_text("(" + "record { " * 6000 + "}" * 6000 + ")")


def test_interning_makes_equal_deep_types_one_object_without_recursion():
    def chain(n):
        t = NAT
        for _ in range(n):
            t = OptType(t)
        return t
    a, b = chain(20_000), chain(20_000)
    ia, ib = intern_types([a, b])
    assert ia is ib
    assert hash(ia) == hash(ib)


def test_error_messages_never_fail_on_huge_or_deep_values():
    huge = 10 ** 5000
    assert L.show(huge).endswith("(5001 digits)")
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    assert L.show(nested).startswith("[[")
    with pytest.raises(CandidError) as e:
        encode([huge], [OptType(NAT)])
    assert "(5001 digits)" in str(e.value)
