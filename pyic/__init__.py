"""pyic: a pure-Python reference implementation of the Internet Computer's
canister execution environment, on a from-scratch WebAssembly engine."""

__version__ = "0.1.0"
