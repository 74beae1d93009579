"""Request ids, representation-independent hashing, hash trees and CBOR: the
worked examples of https-interface.md and certification.md, and properties."""

from __future__ import annotations

import hashlib

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyic.http import cbor, hash_tree
from pyic.http.hash_tree import (
    ABSENT,
    ERROR,
    UNKNOWN,
    Empty,
    Fork,
    Found,
    Labeled,
    Leaf,
    Pruned,
    construct,
    lookup_path,
    prune,
    reconstruct,
)
from pyic.http.request_id import H, hash_of_map, hash_of_value, request_id

spec = pytest.mark.spec


@spec("https-interface.md: Request ids")
def test_request_id_example_of_the_spec():
    content = {"request_type": "call", "sender": b"\x04",
               "ingress_expiry": 1685570400000000000,
               "canister_id": bytes.fromhex("00000000000004D2"),
               "method_name": "hello", "arg": b"DIDL\x00\xFD*"}
    assert request_id(content).hex() == \
        "1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101"
    # the intermediate field hashes the example lists
    assert H(b"ingress_expiry").hex().startswith("26cec6b6")
    assert hash_of_value(1685570400000000000).hex().startswith("db8e57ab")


@spec("https-interface.md: Representation-independent hashing of structured data")
def test_nested_map_example_and_number_encodings():
    inner = H(H(b"arg") + H(b"DIDL\x00\x00"))
    assert hash_of_map({"reply": {"arg": b"DIDL\x00\x00"}}) == H(H(b"reply") + inner)
    assert hash_of_value(0) == H(b"\x00")
    assert hash_of_value(624485) == H(bytes([0xE5, 0x8E, 0x26]))
    assert hash_of_value(-123456) == H(bytes([0xC0, 0xBB, 0x78]))
    assert hash_of_value([b"a", "b"]) == H(H(b"a") + H(b"b"))


@spec("https-interface.md: Representation-independent hashing of structured data")
@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.binary(max_size=8), max_size=6))
def test_hash_of_map_ignores_field_order(m):
    assert hash_of_map(m) == hash_of_map(dict(reversed(list(m.items()))))


SPEC_TREE = ("8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c64"
             "83024162820344676f6f648301830241638100830241648203476d6f726e696e67")
SPEC_PRUNED = ("83018301830241618301820458201b4feff9bef8131788b0c9dc6dbad6e81e524249c879e9f1"
               "0f71ce3749f5a63883024179820345776f726c6483024162820458207b32ac0c6ba8ce35ac82"
               "c255fc7906f7fc130dab2a090f80fe12f9c2cae83ba6830182045820ec8324b8a1f1ac16bd2e"
               "806edba78006479c9877fed4eb464a25485465af601d830241648203476d6f726e696e67")


@spec("certification.md: Example")
def test_hash_tree_example_root_hash_and_pruning():
    t = hash_tree.from_cbor(cbor2.loads(bytes.fromhex(SPEC_TREE)))
    assert reconstruct(t).hex() == \
        "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0"
    assert cbor2.dumps(hash_tree.to_cbor(t)).hex() == SPEC_TREE
    p = prune(t, [[b"a", b"y"], [b"ax"], [b"d"]])
    assert cbor2.dumps(hash_tree.to_cbor(p)).hex() == SPEC_PRUNED
    assert reconstruct(p) == reconstruct(t)


@spec("certification.md: Lookup")
def test_lookup_in_the_pruned_example():
    p = hash_tree.from_cbor(cbor2.loads(bytes.fromhex(SPEC_PRUNED)))
    expected = {(b"a", b"a"): UNKNOWN, (b"a", b"y"): Found(b"world"), (b"aa",): ABSENT,
                (b"ax",): ABSENT, (b"b",): UNKNOWN, (b"bb",): UNKNOWN,
                (b"d",): Found(b"morning"), (b"e",): ABSENT}
    for path, result in expected.items():
        assert lookup_path(path, p) == result, path
    assert lookup_path([b"a"], p) == ERROR          # a subtree, not a value


@spec("certification.md: Certificate")
def test_reconstruct_uses_the_domain_separators():
    sep = hash_tree.domain_sep
    assert reconstruct(Empty()) == hashlib.sha256(sep(b"ic-hashtree-empty")).digest()
    assert reconstruct(Leaf(b"v")) == hashlib.sha256(sep(b"ic-hashtree-leaf") + b"v").digest()
    assert reconstruct(Pruned(b"x" * 32)) == b"x" * 32
    lab = Labeled(b"l", Leaf(b"v"))
    assert reconstruct(lab) == hashlib.sha256(sep(b"ic-hashtree-labeled") + b"l"
                                              + reconstruct(Leaf(b"v"))).digest()
    assert reconstruct(Fork(lab, Empty())) == hashlib.sha256(
        sep(b"ic-hashtree-fork") + reconstruct(lab) + reconstruct(Empty())).digest()


labels = st.binary(min_size=0, max_size=3)
trees = st.recursive(st.binary(max_size=4),
                     lambda sub: st.dictionaries(labels, sub, max_size=4), max_leaves=12)


def _paths(labeled, prefix=()):
    """(path, value) of every leaf; (path, None) of every non-empty inner node
    (an empty one is ``Empty``, where lookups find nothing)."""
    if isinstance(labeled, bytes):
        yield prefix, labeled
        return
    if labeled:
        yield prefix, None
    for k, v in labeled.items():
        yield from _paths(v, prefix + (k,))


@spec("certification.md: Lookup")
@settings(max_examples=60, deadline=None)
@given(st.dictionaries(labels, trees, max_size=5), st.lists(st.lists(labels, max_size=3),
                                                             max_size=4))
def test_pruning_keeps_the_root_hash_and_what_was_asked(labeled, asked):
    full = construct(labeled)
    assert hash_tree.well_formed(full)
    pruned = prune(full, asked)
    assert reconstruct(pruned) == reconstruct(full)
    nodes = dict(_paths(labeled))
    for path in asked:
        path = tuple(path)
        got = lookup_path(path, pruned)
        if nodes.get(path) is not None:
            assert got == Found(nodes[path])
        elif path in nodes:
            assert got == ERROR             # an inner node, not a value
        elif not any(nodes[p] is not None and path[:len(p)] == p for p in nodes):
            assert got == ABSENT            # absence is provable, not just unknown


@spec("index.md: CBOR")
def test_cbor_bodies_carry_the_self_describe_tag_and_bad_bodies_are_refused():
    assert cbor.encode({"a": 1})[:3] == b"\xd9\xd9\xf7"
    assert cbor.decode(cbor.encode({"a": {"b": [b"x"]}})) == {"a": {"b": [b"x"]}}
    for body in (b"", b"\xff", b"\xd9\xd9\xf7", cbor2.dumps(1.5), cbor2.dumps(cbor2.CBORTag(7, 1))):
        with pytest.raises(cbor.CBORError):
            cbor.decode(body)
