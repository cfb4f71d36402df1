"""The README's quick-start example works as written against a live `meishi run` server."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quick_start_script() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("In a second terminal", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README lost its quick-start shell block"
    return match.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_quick_start_lists_the_tagged_contact(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MEISHI_VAR_DIR": str(tmp_path / "var"), "MEISHI_QUEUE": "none"}
    meishi = str(Path(sys.executable).with_name("meishi"))
    subprocess.run([meishi, "db", "upgrade"], env=env, cwd=REPO, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(
        [meishi, "run", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        script = _quick_start_script().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout.strip().splitlines()[-1])
    assert [(c["full_name"], c["tags"]) for c in listed["items"]] == [("高橋 一郎", ["Expo 2026"])]
