"""Benchmark: the status site for 1,000 and 5,000 generated messages against a plain
mkdocs-material site with as many plain pages as there are messages, built in the same run.

Each build runs in its own child process (``mkdocs build`` in-process there), so the peak
resident memory reported is that build's alone. The plain site has the same theme, palette
toggle, logo and four-entry nav as the status site and no search plugin; its pages are
Markdown of about the size of a message. Targets (issue 4): 5,000 messages in <= 10 s,
<= 1.3x the plain build, <= 400 MB peak.

Usage: ``python bench/site_bench.py [--sizes 1000 5000] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
NOW = "2026-11-18T10:30:00+00:00"

PLAIN_CONFIG = """\
site_name: Plain
docs_dir: docs
use_directory_urls: true
theme:
  name: material
  font: false
  icon:
    logo: material/traffic-light
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      toggle: {icon: material/weather-night, name: Switch to dark mode}
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      toggle: {icon: material/weather-sunny, name: Switch to light mode}
  features: [navigation.tabs]
plugins: []
nav:
  - Home: index.md
  - A: a.md
  - B: b.md
  - C: c.md
validation:
  nav:
    omitted_files: ignore
"""
PLAIN_BODY = """\
Some people cannot use the service. We are investigating and will update here.

**If you have a deadline today:** contact your school. Next update by 12:00.

We have found the cause and are working on a fix. Thank you for your patience.
"""


def child(config: str, out: str) -> None:
    """In the child process: build once, print seconds and peak RSS as JSON."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    started = time.perf_counter()
    cfg = load_config(config_file=config, site_dir=out)
    cfg.plugins.on_startup(command="build", dirty=False)
    build(cfg)
    cfg.plugins.on_shutdown()
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = sum(1 for _ in Path(out).rglob("index.html"))
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "pages": pages}))


def run_child(config: Path, out: Path, env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(config), str(out)],
        env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def plain_site(root: Path, pages: int) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name in ("index", "a", "b", "c"):
        (docs / f"{name}.md").write_text(f"# {name}\n\n{PLAIN_BODY}")
    for i in range(pages - 4):
        folder = docs / f"{i // 500:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"page-{i}.md").write_text(f"# Page {i}\n\n{PLAIN_BODY}")
    (root / "mkdocs.yml").write_text(PLAIN_CONFIG)
    return root / "mkdocs.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--keep", type=Path, help="keep the generated trees here")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    from generate import generate  # bench/generate.py (the ftests helper's generator)

    work = Path(args.keep or tempfile.mkdtemp(prefix="site-bench-"))
    base_env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PUBLISHER_NOW=NOW,
                    PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    print(f"{'messages':>8} {'site pages':>10} {'site s':>7} {'site MB':>8} "
          f"{'plain pages':>11} {'plain s':>8} {'plain MB':>9} {'ratio':>6}")
    try:
        for n in args.sizes:
            content = generate(work / f"content-{n}", n)
            env = dict(base_env, PUBLISHER_CONTENT=str(content))
            ours = run_child(REPO / "mkdocs.yml", work / f"site-{n}", env)
            plain = run_child(plain_site(work / f"plain-{n}", n), work / f"plain-site-{n}",
                              base_env)
            ratio = ours["seconds"] / plain["seconds"]
            print(f"{n:>8} {ours['pages']:>10} {ours['seconds']:>7.2f} {ours['rss_mb']:>8.0f} "
                  f"{plain['pages']:>11} {plain['seconds']:>8.2f} {plain['rss_mb']:>9.0f} "
                  f"{ratio:>6.2f}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
