"""The IC's HTTPS interface (interface spec, "HTTPS Interface" and "Certification"):
the plumbing that lets the IC's own agents talk to a pyic IC.

The IC layer (`pyic.ic`) knows nothing of HTTP; this package reads its state and
submits requests to it.  Modules, one concern each:

    cbor          CBOR with the self-describe tag (index.md "CBOR")
    request_id    representation-independent hashing, request ids
    signatures    Ed25519 / ECDSA public keys and signatures (index.md "Signatures")
    canister_signatures   certified-variable signatures ("Canister signatures")
    auth          envelopes: senders, delegations, ingress expiry ("Authentication")
    hash_tree     labeled hash trees: reconstruct, lookup, prune ("Certification")
    bls           BLS12-381 min-sig signatures (the certificates' scheme)
    keys          the instance's root key and node keys, derived from the state's seed
    certificate   certificates: build, sign, verify
    state_tree    the certified system state tree (index.md "The system state tree")
    certifier     the data certificates non-replicated queries see (``IC.certifier``)
    replica       one running instance: the IC, its lock, its clock and rounds
    server        the HTTP endpoints
"""
