"""The interface spec's state transitions, one module per group of rules.

Each rule is a function from a state (and what it acts on) to the state after,
or ``None`` when its conditions do not hold; its docstring names the spec section.
"""
