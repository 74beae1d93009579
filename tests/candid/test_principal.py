from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from pyic.candid import Principal
from pyic.errors import CandidError


@pytest.mark.parametrize("raw,text", [
    (b"", "aaaaa-aa"),
    (b"\x04", "2vxsx-fae"),
    (bytes.fromhex("caffee"), "w7x7r-cok77-xa"),
    (bytes.fromhex("efcdab000000000001"), "2chl6-4hpzw-vqaaa-aaaaa-c"),
])
def test_known_texts(raw, text):
    assert Principal(raw).to_text() == text
    assert Principal.from_text(text).bytes == raw


def test_well_known_principals():
    assert Principal.management().to_text() == "aaaaa-aa"
    assert Principal.anonymous().to_text() == "2vxsx-fae"
    assert Principal.anonymous().is_anonymous()


def test_canister_ids_derive_from_a_counter():
    assert Principal.from_canister_id(0).to_text() == "rwlgt-iiaaa-aaaaa-aaaaa-cai"
    assert Principal.from_canister_id(1).to_text() == "rrkah-fqaaa-aaaaa-aaaaq-cai"
    assert Principal.from_canister_id(2).to_text() == "ryjl3-tyaaa-aaaaa-aaaba-cai"
    assert Principal.from_canister_id(1).bytes == bytes(7) + b"\x01\x01\x01"
    assert Principal.from_canister_id(12345).canister_counter() == 12345
    assert Principal.anonymous().canister_counter() is None
    for bad in (-1, 1 << 64, True, "1"):
        with pytest.raises(CandidError):
            Principal.from_canister_id(bad)


def test_self_authenticating():
    p = Principal.self_authenticating(b"some public key")
    assert len(p.bytes) == 29 and p.bytes[-1] == 0x02


@pytest.mark.parametrize("text,why", [
    ("w7x7r-cok77-xb", "canonical"),       # stray low bits: not the canonical spelling
    ("w7x7r-cok77-xq", "checksum"),
    ("aaaaa-a", "length"),
    ("w7x7rcok77xa", "canonical"),          # grouping is part of the format
    ("", "base32"),
    ("aaaaa-aa!", "base32"),
    ("2vxsx-fae-", "canonical"),
    ("a" * 70, "invalid principal"),
])
def test_bad_texts(text, why):
    with pytest.raises(CandidError, match=why):
        Principal.from_text(text)


def test_upper_case_is_accepted():
    assert Principal.from_text("W7X7R-COK77-XA").bytes == bytes.fromhex("caffee")


def test_too_long():
    with pytest.raises(CandidError):
        Principal(bytes(30))


@given(st.binary(max_size=29))
def test_text_round_trip(raw):
    assert Principal.from_text(Principal(raw).to_text()) == Principal(raw)
