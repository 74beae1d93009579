"""The state store: an IC's state in an SQLite database (docs/state-format.md).

`Store.transaction` runs one command as one transaction; `write_new` writes a
whole state to a new file (`IC.save`); `Store.open(path).load_ic()` reads one
(`IC.load`).
"""

from .codec import CorruptStore
from .schema import FORMAT, SCHEMA_VERSION
from .store import DEFAULT_TIMEOUT, Store, write_new

__all__ = ["Store", "write_new", "CorruptStore", "FORMAT", "SCHEMA_VERSION", "DEFAULT_TIMEOUT"]
