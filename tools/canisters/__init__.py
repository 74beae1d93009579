"""pyic's own stress canisters (WAT, assembled at run time) for ``tools/bench.py --canisters``;
see `tools.canisters.stress`."""
