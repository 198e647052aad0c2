"""The environment benchmarked processes run in: the package as an installed tool has it.

``pip install`` writes every module's bytecode; a checkout run with
``PYTHONDONTWRITEBYTECODE=1`` (as some CI images and this project's machine set) would compile
the whole package again in every process, about 0.2 s that no installed tool pays and that
the plain mkdocs-material side (bytecode in site-packages) does not pay either. So the
package is compiled once, and bytecode is allowed, before anything is timed.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def bench_env(**extra: str) -> dict[str, str]:
    """``os.environ`` with bytecode allowed, the checkout first on the path, and ``extra``."""
    compileall.compile_dir(REPO / "publisher", quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env.update(extra)
    return env
