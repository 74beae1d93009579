"""PocketIC on pyic: the instance both doors share, and the server protocol.

pyic answers the PocketIC server's REST protocol (what the ``pocket-ic`` clients
speak) and offers the same instances in process (`pyic.testing.PocketIC`).
docs/pocket-ic.md tells how to use either.  Modules, one concern each:

    topology    subnet kinds, mainnet canister ranges, subnet ids
    instance    an instance: one `pyic.ic.machine.IC` per subnet, routing, XNet, rounds
    config      the protocol's instance configuration; pocket-ic's `SubnetConfig`
    state_dir   an instance's state on disk, in the server's layout
    codes       reject and error codes under the server's variant names
    errors      rejects (ValueError) and refused requests (HTTP 400)
    icpy        ic-py's argument, settings and Canister forms (ic-py stays optional)
    rest        the protocol's JSON bodies, route by route
    server      the HTTP server: instances, blob store, idle shutdown
    cli         ``pyic-pocket-ic-server``: the server's command line
"""
