"""Subnets of a PocketIC instance: their kinds, canister ranges and ids.

The PocketIC server lays out an instance like mainnet:

- the named subnets (NNS, II, Bitcoin, Fiduciary, SNS) own their mainnet canister
  ranges, so a canister created with a specified id such as
  ``rwlgt-iiaaa-aaaaa-aaaaa-cai`` lands where it lives on mainnet, and each also
  gets an allocation range for canisters created without an id;
- application, verified-application and system subnets get one range each;
- ranges handed out freely are blocks of 2^20 canister ids taken from the top of
  the u64 counter space downwards, skipping the named ranges (so the first
  application canister is ``lxzze-o7777-77777-aaaaa-cai``, as on PocketIC).

A specified id that no subnet owns makes the server add a subnet for it: of the
named kind whose mainnet range holds it, else an application subnet owning the
2^20 block around it (mainnet's routing table splits that space in such blocks;
pyic does not carry the table itself).
"""

from __future__ import annotations

import enum
import hashlib

from attrs import frozen

from ..candid import Principal

CANISTER_IDS_PER_SUBNET = 1 << 20
U64_MAX = (1 << 64) - 1


class SubnetKind(str, enum.Enum):
    """The protocol's subnet kinds, valued (and equal to) their JSON names."""

    APPLICATION = "Application"
    BITCOIN = "Bitcoin"
    FIDUCIARY = "Fiduciary"
    II = "II"
    NNS = "NNS"
    SNS = "SNS"
    SYSTEM = "System"
    VERIFIED_APPLICATION = "VerifiedApplication"


@frozen(order=True)
class CanisterRange:
    """Canister ids ``start..end`` (inclusive), as u64 counters of `Principal.from_canister_id`."""

    start: int
    end: int

    def __contains__(self, index: int) -> bool:
        return self.start <= index <= self.end

    def overlaps(self, other: CanisterRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def to_json(self) -> dict:
        return {"start": _raw_canister_id(self.start), "end": _raw_canister_id(self.end)}


def _raw_canister_id(index: int) -> dict:
    import base64
    return {"canister_id": base64.b64encode(Principal.from_canister_id(index).bytes).decode()}


def _index(text: str) -> int:
    n = Principal.from_text(text).canister_counter()
    if n is None:
        raise ValueError(f"{text} is not a canister id")
    return n


def _range(first: str, last: str) -> CanisterRange:
    return CanisterRange(_index(first), _index(last))


# The mainnet ranges of the named subnets (the PocketIC server's table).
NAMED_RANGES: dict[SubnetKind, tuple[CanisterRange, ...]] = {
    SubnetKind.NNS: (_range("rwlgt-iiaaa-aaaaa-aaaaa-cai", "renrk-eyaaa-aaaaa-aaada-cai"),
                     _range("qoctq-giaaa-aaaaa-aaaea-cai", "n5n4y-3aaaa-aaaaa-p777q-cai")),
    SubnetKind.II: (_range("rdmx6-jaaaa-aaaaa-aaadq-cai", "rdmx6-jaaaa-aaaaa-aaadq-cai"),
                    _range("uc7f6-kaaaa-aaaaq-qaaaa-cai", "ijz7v-ziaaa-aaaaq-7777q-cai")),
    SubnetKind.BITCOIN: (_range("g3wsl-eqaaa-aaaan-aaaaa-cai", "2qqia-xyaaa-aaaan-p777q-cai"),),
    SubnetKind.FIDUCIARY: (_range("mf7xa-laaaa-aaaar-qaaaa-cai", "qoznl-yiaaa-aaaar-7777q-cai"),),
    SubnetKind.SNS: (_range("ybpmr-kqaaa-aaaaq-aaaaa-cai", "ekjw2-zyaaa-aaaaq-p777q-cai"),),
}

# Nodes per subnet, as the server sizes them (fees scale with it on mainnet).
SUBNET_SIZE = {
    SubnetKind.APPLICATION: 13, SubnetKind.VERIFIED_APPLICATION: 13, SubnetKind.SYSTEM: 13,
    SubnetKind.BITCOIN: 13, SubnetKind.FIDUCIARY: 34, SubnetKind.SNS: 34, SubnetKind.II: 34,
    SubnetKind.NNS: 40,
}

# Kinds that are system subnets on the replica (the others are application subnets):
# a system subnet charges no cycles for anything.
SYSTEM_KINDS = frozenset({SubnetKind.NNS, SubnetKind.II, SubnetKind.BITCOIN, SubnetKind.SYSTEM})

# The order the server creates subnets in: named ones, then system, application,
# verified application; the NNS always first.
CREATION_ORDER = (SubnetKind.NNS, SubnetKind.SNS, SubnetKind.II, SubnetKind.FIDUCIARY,
                  SubnetKind.BITCOIN, SubnetKind.SYSTEM, SubnetKind.APPLICATION,
                  SubnetKind.VERIFIED_APPLICATION)


def kind_of_canister(index: int) -> SubnetKind:
    """The kind of subnet that owns canister ``index`` on mainnet (application if none)."""
    for kind, ranges in NAMED_RANGES.items():
        if any(index in r for r in ranges):
            return kind
    return SubnetKind.APPLICATION


class RangeGen:
    """Hands out ranges: free 2^20 blocks from the top of the u64 space, never
    overlapping a range already assigned."""

    def __init__(self) -> None:
        self.assigned: list[CanisterRange] = []
        self.offset = 0

    def add_assigned(self, ranges) -> None:
        for r in ranges:
            if any(r.overlaps(a) for a in self.assigned):
                raise ValueError("Invalid canister ranges.")
        self.assigned.extend(ranges)

    def next_range(self) -> CanisterRange:
        while True:
            block = U64_MAX // CANISTER_IDS_PER_SUBNET - 1 - self.offset
            self.offset += 1
            r = CanisterRange(block * CANISTER_IDS_PER_SUBNET,
                              (block + 1) * CANISTER_IDS_PER_SUBNET - 1)
            if not any(r.overlaps(a) for a in self.assigned):
                self.assigned.append(r)
                return r


@frozen
class SubnetLayout:
    """Where a subnet sits in the instance: kind, ranges, and the range fresh ids come from."""

    kind: SubnetKind
    ranges: tuple[CanisterRange, ...]
    alloc_range: CanisterRange | None = None     # None: the last of ``ranges``
    catch_all: bool = False                      # also takes principals no subnet owns

    @property
    def allocation(self) -> CanisterRange:
        return self.alloc_range if self.alloc_range is not None else self.ranges[-1]

    @property
    def all_ranges(self) -> tuple[CanisterRange, ...]:
        return self.ranges + ((self.alloc_range,) if self.alloc_range is not None else ())

    def owns(self, index: int) -> bool:
        return any(index in r for r in self.all_ranges)

    @property
    def seed(self) -> bytes:
        """32 bytes naming the subnet, from its ranges (its state folder's name; its IC's
        seed, which its keys and id come from, is made from it: `instance.subnet_seed`)."""
        h = hashlib.sha256(b"pyic-pocketic-subnet")
        for r in self.all_ranges:
            h.update(r.start.to_bytes(8, "big") + r.end.to_bytes(8, "big"))
        return h.digest()


def layout_new(kind: SubnetKind, gen: RangeGen) -> SubnetLayout:
    """A fresh subnet of ``kind``: its mainnet ranges plus an allocation range, or one
    free range."""
    named = NAMED_RANGES.get(kind)
    if named is not None:
        gen.add_assigned(named)
        return SubnetLayout(kind, named, gen.next_range())
    return SubnetLayout(kind, (gen.next_range(),))


def layout_for_canister(index: int, gen: RangeGen) -> SubnetLayout:
    """The subnet the server adds to host a specified id no subnet owns."""
    kind = kind_of_canister(index)
    if kind in NAMED_RANGES:
        return layout_new(kind, gen)
    block = index // CANISTER_IDS_PER_SUBNET * CANISTER_IDS_PER_SUBNET
    r = CanisterRange(block, block + CANISTER_IDS_PER_SUBNET - 1)
    gen.add_assigned([r])
    return SubnetLayout(kind, (r,))


# pyic's own single subnet (`pyic.testing.PocketIC()` without a subnet config): it owns
# every canister id, numbers them from 0, and answers for any other principal too
# (its IC rejects what it cannot route), as pyic always has.
WHOLE_RANGE = CanisterRange(0, U64_MAX)
PYIC_SUBNET = SubnetLayout(SubnetKind.APPLICATION, (WHOLE_RANGE,), catch_all=True)


__all__ = [
    "CANISTER_IDS_PER_SUBNET",
    "CREATION_ORDER",
    "NAMED_RANGES",
    "PYIC_SUBNET",
    "SUBNET_SIZE",
    "WHOLE_RANGE",
    "CanisterRange",
    "RangeGen",
    "SubnetKind",
    "SubnetLayout",
    "kind_of_canister",
    "layout_for_canister",
    "layout_new",
]
