"""``python -m pyic.pocketic``: the server (same as ``pyic-pocket-ic-server``)."""

from .cli import main

main()
