"""Integer operations on i32 and i64 (spec 4.3.2).

The operations are written once, in `ixx`, and instantiated here per width:
this binds ``i32_clz`` ... ``i32_extend16_s`` and ``i64_clz`` ...
``i64_extend32_s`` (4.3.2 iclz_N ... iextendM_s_N).  See `ixx` for the
representation (unsigned ints below ``2**N``) and how signed readings are made.
"""

from __future__ import annotations

from . import ixx

M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF
H32 = 0x8000_0000
H64 = 0x8000_0000_0000_0000

globals().update(ixx.instantiate("i32", 32))
globals().update(ixx.instantiate("i64", 64))
