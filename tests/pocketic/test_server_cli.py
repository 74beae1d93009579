"""``pyic-pocket-ic-server``'s command line: port file, second launch, idle exit, version."""

from __future__ import annotations

import os
import subprocess
import time

import requests
from click.testing import CliRunner
from pic_server import server_command, start_server, stop

from pyic.pocketic.cli import PROTOCOL_VERSION, main


def test_version_answers_like_the_real_server():
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output == f"pocket-ic-server {PROTOCOL_VERSION}\n"


def test_usage_errors_exit_2():
    r = CliRunner().invoke(main, ["--ttl", "-1"])
    assert r.exit_code == 2


def test_second_launch_exits_quietly_and_ttl_ends_the_first(tmp_path):
    port_file = str(tmp_path / "pic.port")
    first, port = start_server(port_file, "--ttl", "6")
    try:
        assert requests.get(f"http://127.0.0.1:{port}/status", timeout=10).status_code == 200
        second = subprocess.run(server_command() + ["--port-file", port_file], check=False,
                                timeout=60, capture_output=True)
        assert second.returncode == 0 and second.stdout == b"" and second.stderr == b""
        assert first.poll() is None   # the second launch left the first running
        with open(port_file, encoding="utf-8") as f:
            assert f.read() == f"{port}\n"   # and did not touch its port file
        first.wait(timeout=30)        # idle for --ttl seconds: it exits by itself
        assert first.returncode == 0
        assert not os.path.exists(port_file)
    finally:
        stop(first)


def test_requests_keep_the_server_alive(tmp_path):
    port_file = str(tmp_path / "pic.port")
    proc, port = start_server(port_file, "--ttl", "3")
    try:
        for _ in range(8):   # 4 s of activity, longer than the ttl
            requests.get(f"http://127.0.0.1:{port}/instances", timeout=10)
            time.sleep(0.5)
            assert proc.poll() is None
    finally:
        stop(proc)
    assert proc.returncode == 0 and not os.path.exists(port_file)
