"""What the IC layer needs of certification: the root key, the subnet id the
certificates name, and data certificates.

- ``S.root_key`` (interface spec, "The system state"; "Initial state": ``root_key =
  PublicKey``): the DER-encoded BLS12-381 key every certificate of this IC verifies
  with; ``ic0.root_key_copy`` copies it to canisters (canister-interface.md,
  "Certified data").
- The subnet id: the self-authenticating id of the subnet's own public key, which
  the certificates name (``/subnet/<id>``, ``/canister_ranges/<id>``) and which every
  canister created here has as its ``canister_subnet`` (``ic0.subnet_self_copy``).
- The data certificate a non-replicated query sees (``ic0.data_certificate_copy``).

pyic derives all three from ``S.seed`` with the keys of its HTTPS layer
(`pyic.http.keys`: BLS12-381 on ``py_ecc``, slow to import; the default seed's key is
written out below).  A lone IC is its own root subnet: its key is the root key.  A
subnet of a multi-subnet instance (`pyic.pocketic`) whose certificates the root
subnet vouches for (certification.md "Delegation") has a *delegated* seed
(`delegated_seed`): its own seed, which its key and id come from, and the root
subnet's, which the root key comes from -- so the rules stay functions of ``S``.
The HTTPS layer is imported here, in one place, when a value is first needed, so
that a process that never creates a canister, reads a certificate or the root key
never loads it.  A builder that certifies differently (`pyic.http.replica`, the
subnets of `pyic.pocketic.instance`) gives the IC its own certifier (``IC.certifier``).
"""

from __future__ import annotations

import functools

from ..candid.principal import Principal


# The root key of the default seed (``IC()``, ``PocketIC()``, ``pyic canister``), written
# out so that creating a canister does not load the BLS library; a test derives it again.
DEFAULT_SEED = b"pyic"
DEFAULT_ROOT_KEY = bytes.fromhex(
    "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100afba44317154"
    "ad290af5ebf16f0f5ff8e59248009b0b56265e968a40cb68a5a336364a77cafe04e22d24c88da8dbde6b09"
    "c22d4b1a99b54296b72349e431a802325c6af2ee24f5a74bd2a24f15979b7f45fb543e4b8969e29a7d2d5e"
    "9d17ed0c")


# A delegated seed: this prefix, the root seed's length (one byte), the root seed, the
# subnet's own seed.  No plain seed pyic makes starts with it.
DELEGATED = b"pyic delegated subnet\x00"


def delegated_seed(root_seed: bytes, own_seed: bytes) -> bytes:
    """The seed of a subnet keyed by ``own_seed`` whose certificates the root subnet
    keyed by ``root_seed`` delegates to (both plain seeds, not delegated ones)."""
    if len(root_seed) > 255 or is_delegated(root_seed) or is_delegated(own_seed):
        raise ValueError("a delegated seed is made of two plain seeds of at most 255 bytes")
    return DELEGATED + bytes([len(root_seed)]) + root_seed + own_seed


def is_delegated(seed: bytes) -> bool:
    return seed.startswith(DELEGATED) and len(seed) > len(DELEGATED)


def own_seed(seed: bytes) -> bytes:
    """The seed the subnet's own keys come from."""
    if not is_delegated(seed):
        return seed
    n = seed[len(DELEGATED)]
    return seed[len(DELEGATED) + 1 + n:]


def root_seed(seed: bytes) -> bytes:
    """The seed of the root subnet, whose key is the root key."""
    if not is_delegated(seed):
        return seed
    n = seed[len(DELEGATED)]
    return seed[len(DELEGATED) + 1:len(DELEGATED) + 1 + n]


@functools.lru_cache(maxsize=256)
def subnet_key(seed: bytes) -> bytes:
    """The DER public key of the subnet whose ``S.seed`` is ``seed``: what its
    certificates are signed with (and ``/subnet/<id>/public_key``)."""
    own = own_seed(seed)
    if own == DEFAULT_SEED:
        return DEFAULT_ROOT_KEY
    from ..http.keys import derive
    return derive(own).root_key


@functools.lru_cache(maxsize=256)
def root_key(seed: bytes) -> bytes:
    """The DER root key of the IC whose subnet has ``S.seed`` ``seed``."""
    return subnet_key(root_seed(seed))


@functools.lru_cache(maxsize=256)
def subnet_id(seed: bytes) -> bytes:
    """The id of the subnet whose ``S.seed`` is ``seed``, as its certificates name it:
    the self-authenticating id of its own public key."""
    return Principal.self_authenticating(subnet_key(seed)).bytes


def subnet_nodes(seed: bytes, size: int) -> tuple[tuple[bytes, bytes], ...]:
    """The ``size`` nodes of the subnet with plain seed ``seed``: an Ed25519 key each,
    from the seed and the node's index, and its self-authenticating id (what a PocketIC
    topology's ``node_ids``, ``/subnet/<id>/node/<node_id>/public_key`` and
    ``node_metrics_history`` name)."""
    from ..http import signatures
    nodes = []
    for i in range(size):
        key = signatures.public_key_der(
            signatures.signing_key("Ed25519", b"pyic node key" + seed + i.to_bytes(2, "big")))
        nodes.append((Principal.self_authenticating(key).bytes, key))
    return tuple(nodes)


def data_certificate(state, canister_id: bytes):
    """A certificate covering ``/canister/<id>/certified_data`` and ``/time`` of
    ``state``, signed with its root key; made when the canister first reads it (most
    queries never do, and then the HTTPS layer and its BLS library are not even loaded)."""
    def make() -> bytes:
        from ..http.certifier import data_certificate as certify
        return bytes(certify(state, canister_id))
    return Deferred(make)


class Deferred:
    """A blob made when first read (its length or a slice of it); the System API only
    takes ``len`` and slices of ``Env.certificate``."""

    __slots__ = ("_make", "_value")

    def __init__(self, make) -> None:
        self._make = make
        self._value: bytes | None = None

    def __bytes__(self) -> bytes:
        if self._value is None:
            self._value = self._make()
            self._make = None
        return self._value

    def __len__(self) -> int:
        return len(bytes(self))

    def __getitem__(self, index):
        return bytes(self)[index]


class RootKey:
    """``root_key(seed)`` as a blob made when first read (its length or a slice):
    every ``Env`` carries one, and few canisters read it."""

    __slots__ = ("seed", "_value")

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self._value: bytes | None = None

    def __bytes__(self) -> bytes:
        if self._value is None:
            self._value = root_key(self.seed)
        return self._value

    def __len__(self) -> int:
        return len(bytes(self))

    def __getitem__(self, index):
        return bytes(self)[index]

    def __eq__(self, other) -> bool:
        if isinstance(other, RootKey):
            return self.seed == other.seed
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.seed)

    def __repr__(self) -> str:
        return f"RootKey(seed={self.seed!r})"


__all__ = ["DELEGATED", "RootKey", "data_certificate", "delegated_seed", "is_delegated",
           "own_seed", "root_key", "root_seed", "subnet_id", "subnet_key", "subnet_nodes"]
