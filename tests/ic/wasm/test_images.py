"""Paged memory images: the spec's blobs, shared page by page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from pyic.ic.system_api.images import PAGE, PagedBlob, StableMemory

pytestmark = pytest.mark.spec("Abstract Canisters to System API")


def test_paged_blob_is_a_blob():
    data = b"\x00" * PAGE + b"abc" + b"\x00" * 10
    blob = PagedBlob.of(data)
    assert len(blob) == len(data) and bytes(blob) == data
    assert blob.pages[0] is None                # a page of zeros is not stored
    assert blob[PAGE:PAGE + 3] == b"abc" and blob[PAGE + 1] == ord("b")
    assert blob == data and blob == PagedBlob.of(data)


def test_unchanged_stable_memory_is_the_same_object():
    base = PagedBlob.of(b"x" * (3 * PAGE))
    sm = StableMemory(base)
    sm.read(0, 10)
    assert sm.freeze() is base


def test_write_shares_untouched_pages():
    base = PagedBlob.of(bytes(range(256)) * (3 * PAGE // 256))
    sm = StableMemory(base)
    sm.write(PAGE + 5, b"hello")
    new = sm.freeze()
    assert new.pages[0] is base.pages[0] and new.pages[2] is base.pages[2]
    assert new[PAGE + 5:PAGE + 10] == b"hello"
    assert base[PAGE + 5:PAGE + 10] != b"hello"     # the old image is unchanged


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * PAGE - 1), st.binary(max_size=3000)), max_size=8),
       st.integers(0, 2))
def test_stable_memory_matches_a_bytearray(writes, grow):
    ref = bytearray(2 * PAGE)
    sm = StableMemory(PagedBlob.of(bytes(ref)))
    sm.grow(grow)
    ref += bytes(grow * PAGE)
    for offset, data in writes:
        if offset + len(data) <= len(ref):
            sm.write(offset, data)
            ref[offset:offset + len(data)] = data
    assert bytes(sm.freeze()) == bytes(ref)
    assert sm.read(0, len(ref)) == bytes(ref)
