"""Seeded fuzz campaigns of tools/fuzz.py, one per input kind (issue 17): every mutated
input ends in a result or a `pyic.errors` exception, never another Python exception.

The numbers of cases (``CI_CASES``) keep the whole folder near a minute on a loaded
two-core machine; ``python tools/fuzz.py --cases N`` runs longer campaigns with the same
targets.  A failure names the case, which ``python tools/fuzz.py --replay <id>`` reruns
with its traceback."""

from __future__ import annotations

import random

import pytest

from tools import fuzz   # tools/ is a package; the repository root is on pytest's pythonpath

SEED = 17


@pytest.mark.parametrize("target", sorted(fuzz.CI_CASES))
def test_campaign_has_no_escapes(target):
    report = fuzz.campaign(target, fuzz.CI_CASES[target], SEED)
    print(report.line())
    assert report.cases == fuzz.CI_CASES[target]
    # the corpus is alive: some mutants get through, most are refused
    assert 0 < report.failures < report.cases
    assert report.escapes == []


def test_a_case_is_reproducible_from_its_id_alone():
    target = fuzz.TARGETS["candid-text"]
    outcomes = []
    for _ in range(2):
        outcome = fuzz.run_case(target, SEED, 123)
        outcomes.append(None if outcome is None else str(outcome))
    assert outcomes[0] == outcomes[1]
    a = fuzz.mutate_text(random.Random("x"), "(1, 2)")
    assert a == fuzz.mutate_text(random.Random("x"), "(1, 2)")


def test_an_escape_is_counted_and_named(monkeypatch):
    target = fuzz.TARGETS["did"]

    def broken(rng, corpus):
        raise KeyError("boom")
    monkeypatch.setattr(target, "case", broken)
    report = fuzz.campaign("did", 3, SEED)
    assert [cid for cid, _ in report.escapes] == [f"did:{SEED}:{i}" for i in range(3)]
    assert "KeyError" in report.escapes[0][1]


def test_the_long_mode_command_line(capsys):
    assert fuzz.main(["--target", "candid-binary", "--cases", "50", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("candid-binary: 50 cases, 0 escapes") and "peak RSS" in out
