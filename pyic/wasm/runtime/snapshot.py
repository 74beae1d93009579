"""Snapshot and rollback of an instance's mutable state (memories, globals, tables).

Memories use a write journal (`MemInst.begin_journal`): taking a snapshot is
O(1) whatever the memory's size, and while it is open each store saves the
original 4 KiB chunk it overwrites on its first write there.  Rolling back
writes the saved chunks back and truncates what grew.  Globals are copied
(one value each); tables are copied entry by entry, since they are small in
practice (their lazy tail is not copied).

One snapshot per memory may be open at a time; `Snapshot.release` keeps the
changes and closes it, `Snapshot.rollback` restores the state and keeps it
open (so a canister can roll back and retry).
"""

from __future__ import annotations

from ...errors import PyicError
from .memory import JOURNAL_CHUNK


class Snapshot:
    def __init__(self, mems: list, globals_: list, tables: list) -> None:
        for m in mems:
            if m.journal is not None:
                raise PyicError("a snapshot of this memory is already open")
        self.mems = [(m, m.begin_journal()) for m in mems]
        self.globals = [(g, g.value) for g in globals_]
        self.tables = [(t, t.snapshot()) for t in tables]
        self.open = True

    def rollback(self) -> None:
        """Restore every memory, global and table to its state when the snapshot was taken."""
        if not self.open:
            raise PyicError("snapshot already released")
        for m, saved in self.mems:
            m.rollback(saved)
        for g, v in self.globals:
            g.value = v
        for t, saved in self.tables:
            t.restore(saved)

    def release(self) -> None:
        """Keep the changes and stop journalling."""
        if self.open:
            for m, _ in self.mems:
                m.end_journal()
            self.open = False

    def journal_bytes(self) -> int:
        """How many bytes of memory the journals cover (the snapshot's running cost: a chunk
        that was all zeros is recorded as ``None``, without a copy, but counted as the cap
        counts it, `MemInst.footprint`)."""
        return sum(sum(JOURNAL_CHUNK if v is None else len(v) for v in m.journal.values())
                   for m, _ in self.mems if m.journal)


def snapshot_instance(mi) -> Snapshot:
    """A snapshot of everything mutable that the module instance ``mi`` can reach."""
    uniq = lambda xs: list({id(x): x for x in xs}.values())  # noqa: E731
    return Snapshot(uniq(mi.mems), uniq(g for g in mi.globals if g.type.mut), uniq(mi.tables))
