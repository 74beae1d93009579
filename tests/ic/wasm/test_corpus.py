"""Every canister of ../shared/canisters, both builds: installs, upgrades and
answers every scripted call with exactly the expected reply bytes.

Steps the corpus measured at more than `HEAVY_INSTRUCTIONS` instructions are
run only with ``PYIC_HEAVY=1`` (the whole corpus then takes ~4 minutes)."""

from __future__ import annotations

import os

import pytest

from corpus import BUILDS, canister_names, run_script

pytestmark = pytest.mark.spec("Abstract Canisters to System API")

HEAVY_INSTRUCTIONS = 5_000_000
HEAVY = bool(os.environ.get("PYIC_HEAVY"))

# Steps known to fail, with the reason (strict: a step listed here that passes fails the test,
# so the list is kept up to date).
KNOWN_FAILURES: dict = {}


def test_corpus_is_present():
    assert canister_names(), "no canisters found in ../shared/canisters"


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("name", canister_names())
def test_canister_script(name, build, record_property):
    def skip(step, expected):
        return not HEAVY and (step.get("heavy") or (expected or 0) > HEAVY_INSTRUCTIONS)

    run = run_script(name, build, skip=skip)
    assert run.results, "no step ran"
    failed = {(name, build, r.index): r.detail for r in run.failures}
    unexpected = {k: v for k, v in failed.items() if k not in KNOWN_FAILURES}
    fixed = [k for k in KNOWN_FAILURES if k[:2] == (name, build) and k not in failed
             and any(r.index == k[2] for r in run.results)]
    assert not unexpected, f"steps failed: {unexpected}"
    assert not fixed, f"known failures now pass, update KNOWN_FAILURES: {fixed}"
    record_property("instructions", [(r.index, r.method, r.instructions, r.expected_instructions)
                                     for r in run.results if r.op == "call"])
