"""Real parts for the editor tests: decap-cms and decap-server from npm (pinned, installed
once into the git-ignored .cache/), decap-server run against a temporary git repository, and
the generated editor served from loopback."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from site_build import REPO

from publisher.workflow.editor import DECAP_DIST, DECAP_SERVER_VERSION, DECAP_VERSION

NODE_MODULES = REPO / ".cache" / "node_modules"
SERVER_JS = NODE_MODULES / "decap-server" / "dist" / "index.js"


def decap_dist() -> Path:
    """decap-cms's dist folder (and decap-server beside it), installed on first use."""
    dist = REPO / DECAP_DIST
    if not (dist / "decap-cms.js").is_file() or not SERVER_JS.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install decap-cms (apt-get install npm)")
        subprocess.run([npm, "install", "--prefix", str(REPO / ".cache"),
                        f"decap-cms@{DECAP_VERSION}", f"decap-server@{DECAP_SERVER_VERSION}",
                        "--no-audit", "--no-fund", "--silent"], check=True, timeout=900)
    return dist


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".yml": "text/yaml", ".wasm": "application/wasm"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def served(root: Path) -> Iterator[str]:
    """``root`` over HTTP on loopback; yields its URL (localhost: Decap's local mode)."""
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def wait_for(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    """Until decap-server on ``port`` answers its "info" action (30 s at most)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1", data=b'{"action":"info"}',
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or (process and process.poll() is not None):
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def decap_server(repo: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """decap-server (file-system mode) writing into ``repo``'s working tree."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run decap-server (apt-get install nodejs)")
    env = dict(os.environ, PORT=str(port), BIND_HOST="127.0.0.1", MODE="fs",
               GIT_REPO_DIRECTORY=str(repo), LOG_LEVEL="warn")
    process = subprocess.Popen([node, str(SERVER_JS)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(port, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)
