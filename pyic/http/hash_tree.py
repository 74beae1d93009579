"""Hash trees (certification.md "Certificate", "Lookup", "Encoding of certificates").

    HashTree = Empty | Fork HashTree HashTree | Labeled Label HashTree
             | Leaf blob | Pruned Hash

A *labeled tree* is the data a hash tree certifies: here a dict from label
(bytes) to either a value (bytes) or another labeled tree.  `construct` turns
one into a hash tree whose forks are balanced over the sorted labels; `prune`
keeps only what some paths need (plus the neighbouring labels that prove an
absent path absent); `reconstruct` gives the root hash a certificate signs.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from itertools import pairwise

from attrs import frozen


@frozen
class Empty:
    pass


@frozen
class Fork:
    left: HashTree
    right: HashTree


@frozen
class Labeled:
    label: bytes
    tree: HashTree


@frozen
class Leaf:
    value: bytes


@frozen
class Pruned:
    hash: bytes


HashTree = Empty | Fork | Labeled | Leaf | Pruned
EMPTY = Empty()


def domain_sep(s: bytes) -> bytes:
    """``domain_sep(s) = byte(|s|) · s``."""
    return bytes([len(s)]) + s


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_EMPTY_HASH = _h(domain_sep(b"ic-hashtree-empty"))


def reconstruct(t: HashTree) -> bytes:
    """The root hash of ``t``."""
    match t:
        case Empty():
            return _EMPTY_HASH
        case Fork(left, right):
            return _h(domain_sep(b"ic-hashtree-fork") + reconstruct(left) + reconstruct(right))
        case Labeled(label, tree):
            return _h(domain_sep(b"ic-hashtree-labeled") + label + reconstruct(tree))
        case Leaf(value):
            return _h(domain_sep(b"ic-hashtree-leaf") + value)
        case Pruned(h):
            return h
    raise TypeError(f"not a hash tree: {t!r}")


# ---------------------------------------------------------------- building and pruning

def construct(labeled) -> HashTree:
    """The hash tree of a labeled tree (dict label -> value bytes | labeled tree)."""
    if isinstance(labeled, (bytes, bytearray)):
        return Leaf(bytes(labeled))
    return _balanced([Labeled(k, construct(labeled[k])) for k in sorted(labeled)])


def _balanced(trees: list) -> HashTree:
    if not trees:
        return EMPTY
    if len(trees) == 1:
        return trees[0]
    mid = len(trees) // 2
    return Fork(_balanced(trees[:mid]), _balanced(trees[mid:]))


def flatten_forks(t: HashTree) -> list:
    """``flatten_forks``: the forest under a node, forks and empties dropped."""
    out: list = []
    stack = [t]
    while stack:
        t = stack.pop()
        if isinstance(t, Fork):
            stack.append(t.right)
            stack.append(t.left)
        elif not isinstance(t, Empty):
            out.append(t)
    return out


def prune(t: HashTree, paths) -> HashTree:
    """``t`` with every subtree no path in ``paths`` leads into replaced by its hash.

    A path whose label is not there keeps the labels just below and above it
    (their subtrees pruned), so the result proves the path absent.  The root
    hash is unchanged."""
    paths = [tuple(p) for p in paths]
    if not paths:
        return Pruned(reconstruct(t))
    if () in paths:
        return t
    present = sorted(tr.label for tr in flatten_forks(t) if isinstance(tr, Labeled))
    wanted: dict[bytes, list] = {}
    for label, *rest in paths:
        i = bisect_left(present, label)
        if i < len(present) and present[i] == label:
            wanted.setdefault(label, []).append(tuple(rest))
        else:
            for j in (i - 1, i):                # the neighbours proving absence
                if 0 <= j < len(present):
                    wanted.setdefault(present[j], [])
    return _keep(t, wanted)


def _keep(t: HashTree, wanted: dict) -> HashTree:
    match t:
        case Empty():
            return t
        case Labeled(label, sub) if label in wanted:
            return Labeled(label, prune(sub, wanted[label]))
        case Fork(left, right):
            kept_left, kept_right = _keep(left, wanted), _keep(right, wanted)
            if isinstance(kept_left, (Pruned, Empty)) and isinstance(kept_right, (Pruned, Empty)):
                return Pruned(reconstruct(Fork(kept_left, kept_right)))  # nothing kept: one hash
            return Fork(kept_left, kept_right)
    return Pruned(reconstruct(t))


# ---------------------------------------------------------------- lookup

@frozen
class Found:
    value: bytes


ABSENT, UNKNOWN, ERROR = "Absent", "Unknown", "Error"


def lookup_path(path, t: HashTree):
    """``lookup_path``: `Found` (with the value), or ``ABSENT``, ``UNKNOWN``, ``ERROR``."""
    for label in path:
        found = find_label(label, flatten_forks(t))
        if not isinstance(found, Labeled):
            return found
        t = found.tree
    match t:
        case Empty():
            return ABSENT
        case Leaf(v):
            return Found(v)
        case Pruned():
            return UNKNOWN
    return ERROR


def find_label(label: bytes, forest: list):
    """``find_label``: the `Labeled` node, or ``ABSENT`` / ``UNKNOWN``."""
    if not forest or (len(forest) == 1 and isinstance(forest[0], Leaf)):
        return ABSENT
    for i, t in enumerate(forest):
        if isinstance(t, Labeled):
            if t.label == label:
                return t
            # Absent if ``label`` falls between this label and the labeled
            # node just before it (or before the first), with nothing pruned
            # in between.
            if label < t.label:
                before = forest[i - 1] if i > 0 else None
                if before is None or (isinstance(before, Labeled) and before.label < label):
                    return ABSENT
    last = forest[-1]
    if isinstance(last, Labeled) and last.label < label:
        return ABSENT
    return UNKNOWN


def lookup_subtree(path, t: HashTree):
    """The subtree at ``path`` (for reading a forest such as ``/subnet/<id>/node``),
    or ``ABSENT`` / ``UNKNOWN`` / ``ERROR``."""
    for label in path:
        found = find_label(label, flatten_forks(t))
        if not isinstance(found, Labeled):
            return found
        t = found.tree
    return t


def well_formed(t: HashTree) -> bool:
    """``well_formed``: labels strictly increasing in each forest, no leaf among labels."""
    if isinstance(t, Leaf):
        return True
    forest = flatten_forks(t)
    labels = [x.label for x in forest if isinstance(x, Labeled)]
    if any(a >= b for a, b in pairwise(labels)):
        return False
    if any(isinstance(x, Leaf) for x in forest):
        return False
    return all(well_formed(x.tree) for x in forest if isinstance(x, Labeled))


# ---------------------------------------------------------------- CBOR form

def to_cbor(t: HashTree):
    """The CBOR data item of ``t``: ``[0]``, ``[1, l, r]``, ``[2, label, t]``,
    ``[3, value]``, ``[4, hash]``."""
    match t:
        case Empty():
            return [0]
        case Fork(left, right):
            return [1, to_cbor(left), to_cbor(right)]
        case Labeled(label, tree):
            return [2, label, to_cbor(tree)]
        case Leaf(value):
            return [3, value]
        case Pruned(h):
            return [4, h]
    raise TypeError(f"not a hash tree: {t!r}")


def from_cbor(item) -> HashTree:
    """The hash tree of a decoded CBOR item; `ValueError` if it is not one."""
    if not isinstance(item, list) or not item or not isinstance(item[0], int):
        raise ValueError("hash tree: expected an array starting with a tag number")
    tag, args = item[0], item[1:]
    shapes = {0: (), 1: (list, list), 2: (bytes, list), 3: (bytes,), 4: (bytes,)}
    if tag not in shapes or len(args) != len(shapes[tag]) \
            or not all(isinstance(a, s) for a, s in zip(args, shapes[tag])):
        raise ValueError(f"hash tree: malformed node {item!r:.80}")
    if tag == 0:
        return EMPTY
    if tag == 1:
        return Fork(from_cbor(args[0]), from_cbor(args[1]))
    if tag == 2:
        return Labeled(args[0], from_cbor(args[1]))
    if tag == 3:
        return Leaf(args[0])
    if len(args[0]) != 32:
        raise ValueError("hash tree: a pruned hash must be 32 bytes")
    return Pruned(args[0])
