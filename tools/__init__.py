"""The project's tools (benchmarks, fuzzing, program generators, the IC rules table).

A package so that tests import them (`from tools import wasmgen`) with the repository
root on the path (pytest's ``pythonpath``), rather than by editing ``sys.path``."""
