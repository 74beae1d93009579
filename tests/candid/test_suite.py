"""The official Candid conformance suite (candid-tests/*.test.did), one pytest item per
assertion."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from pyic.candid.decode import DecodeLimitError
from pyic.candid.testsuite import check, collect, parse_test_file, read_input
from pyic.errors import CandidError

# The shared test material: $PYIC_SHARED (the root conftest.py defaults it to ../shared).
SUITE = os.path.join(os.environ["PYIC_SHARED"], "candid-tests")
EXPECTED_TOTAL = 467


def _load():
    items = []
    for path in collect([SUITE]):
        with open(path, encoding="utf-8") as f:
            env, assertions = parse_test_file(f.read(), path)
        for a in assertions:
            items.append((os.path.basename(path), env, a))
    return items


ITEMS = _load()


def test_all_assertions_collected():
    assert len(ITEMS) == EXPECTED_TOTAL
    with open(os.path.join(SUITE, "assertions.jsonl")) as f:
        listed = {(j["file"], j["line"], j["op"]) for j in map(json.loads, f)}
    assert {(name, a.line, a.op) for name, _, a in ITEMS} == listed


@pytest.mark.parametrize("name,env,assertion", ITEMS, ids=[f"{n}:{a.line}" for n, _, a in ITEMS])
def test_assertion(name, env, assertion):
    passed, message = check(assertion, env)
    assert passed, message


def test_spacebombs_hit_the_budget():
    """The bombs must be refused by the value budget, not by some other error."""
    bombs = [(env, a) for name, env, a in ITEMS if name == "spacebomb.test.did"]
    assert len(bombs) == 17
    for env, a in bombs:
        with pytest.raises(DecodeLimitError):
            read_input(a.left, a.types, env)


def test_cli_json_report():
    from pyic.cli.candid import candid
    result = CliRunner().invoke(candid, ["test", SUITE, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == {"passed": EXPECTED_TOTAL, "failed": 0, "not_run": 0}
    assert report["failures"] == []
    assert sum(c["passed"] for c in report["by_command"].values()) == EXPECTED_TOTAL
    assert len(report["files"]) == 6


def test_cli_reports_failures(tmp_path):
    from pyic.cli.candid import candid
    bad = tmp_path / "bad.test.did"
    bad.write_text('assert blob "DIDL\\00\\01\\7e\\02" : (bool) "wrong on purpose";\n'
                   'assert "(1)" : (nat);\n')
    result = CliRunner().invoke(candid, ["test", str(bad), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["total"] == {"passed": 1, "failed": 1, "not_run": 0}
    assert report["failures"][0]["line"] == 1
    assert report["failures"][0]["command"] == "assert_ok"
    assert "invalid boolean" in report["failures"][0]["message"]


def test_unparsable_test_file_is_a_failure(tmp_path):
    from pyic.candid.testsuite import run_file
    bad = tmp_path / "broken.test.did"
    bad.write_text('assert blob "DIDL" : (nat\n')
    result = run_file(str(bad))
    assert result.count()["failed"] == 1


def test_check_rejects_text_that_is_not_candid():
    env, [a] = parse_test_file('assert "(1" : (nat);')
    with pytest.raises(CandidError):
        read_input(a.left, a.types, env)
