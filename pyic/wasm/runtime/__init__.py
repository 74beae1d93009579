"""Runtime structures of WebAssembly (spec 4.2) and instantiation (4.7 "Modules")."""

from .instantiate import eval_const, extern_type_matches, instantiate, resolve_imports  # noqa: F401
from .memory import PAGE_SIZE, MemInst  # noqa: F401
from .snapshot import Snapshot, snapshot_instance  # noqa: F401
from .store import (Config, DataInst, ElemInst, ExternVal, FuncInst, GlobalInst,  # noqa: F401
                    HostFunc, ModuleInst, Store, TagInst)
from .table import TableInst  # noqa: F401
from .values import ExternRef, FuncRef, HostRef, NullRef, Ref, default_value, null  # noqa: F401
from .gc import ArrayInst, ExnInst, I31Ref, StructInst  # noqa: F401
from .types import DefType, deftypes_of, match_deftype  # noqa: F401
