"""The README's quick-start card upload works as written against a live `meishi run` server with its pool."""

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

from tests.cards.conftest import cards_dev

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quick_start_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("In a second terminal", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_quick_start_uploads_a_card_and_polls_it_until_read(tmp_path: Path) -> None:
    blocks = _quick_start_blocks()
    assert len(blocks) >= 2 and '-F "front=@' in blocks[1], "the quick start lost its card upload"
    port = _free_port()
    env = {
        **os.environ,
        "MEISHI_VAR_DIR": str(tmp_path / "var"),
        "MEISHI_QUEUE": "embedded",
        "MEISHI_WORKERS": "1",
        "MEISHI_WEBHOOKS": "off",
    }
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
        card = cards_dev() / "scans" / "0001.jpg"
        script = "\n".join(blocks[:2]).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        script = script.replace("CARD_IMAGE=card.jpg", f"CARD_IMAGE={card}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["status"] in ("completed", "needs_review") and read["fields"], read
