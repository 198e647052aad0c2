"""Benchmark: the status build against a plain mkdocs-material site of the same text on the
same number of pages, at 1,000 and 5,000 threads, in one run; plus check and warm rebuilds.

For each size, ``bench/generate.py`` writes N threads of three messages (incidents and
maintenance: notice, update or reminder, all-clear), each body about 100 words of Markdown
with paragraphs, emphasis, a list and links. Then, each as its own process (start-up
included, peak RSS from ``wait4``):

- **plain**: ``mkdocs build`` of a mkdocs-material site with one page per thread holding the
  thread's title and all its bodies; the status site's theme settings (palette, logo,
  features, no web fonts), the same four-entry nav, no search plugin;
- **build cold**: ``publisher build`` with no cache (``build/.cache`` deleted);
- **build warm, no change** (the same instant again: a re-run), **warm, 5 min later** (no
  change, the next scheduled build) and **warm, one new message** (a new incident notice,
  built ten minutes after the first: each build in real use has its own instant);
- **check cold** / **check warm**: ``publisher check`` without and with the cache (warm:
  the same files again, which the run memo answers), and **check warm, 1 new**: after the
  new message (the memo misses; threads settled in earlier runs are skipped);
- **cState on Hugo**, only when ``hugo`` is on PATH and ``--cstate DIR`` names a checkout of
  the cState theme; otherwise reported as skipped.

Targets (issue 18): cold build <= 1.6x plain at both sizes; peak <= 400 MB at 5,000 threads;
warm after one new message <= 5 s and no change <= 3 s at 5,000 threads (15,000 messages);
check on 5,000 messages <= 1.5 s cold, <= 0.7 s warm; each figure at 5,000 threads <= 5.5x
its figure at 1,000. Timings on a shared machine are noisy: run it when the machine is quiet.

Usage: ``python bench/site_bench.py [--threads 1000 5000] [--keep DIR] [--cstate DIR]
[--repeat N]``: with ``--repeat``, plain and the cold build each run N times, in turn, and
the fastest of each is reported, with the largest peak memory of any run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from procenv import bench_env

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
NOW = "2026-11-18T10:30:00+00:00"
LATER = "2026-11-18T10:35:00+00:00"
"""The next scheduled build, with nothing new: every open thread's page says a new time."""
NEWER = "2026-11-18T10:40:00+00:00"
"""The build after one new message is merged: at its own, later instant, as in real use."""
MB = 1024  # ru_maxrss is in KiB on Linux


def tree_rss(pid: int) -> int:
    """Memory (KiB) of a process and all its descendants now (0 once it is gone), as PSS:
    pages shared between them are counted once, not once per process. A child between fork
    and exec (its parent's command line and name) is its parent's pages, so not counted:
    read one after the other, the two could count them twice. The build's outputs worker
    is forked and never exec'd, but names itself (``publisher-out``), so it counts."""
    total, stack = 0, [(pid, b"")]
    while stack:
        current, parent = stack.pop()
        try:
            with open(f"/proc/{current}/cmdline", "rb") as f:
                command = f.read()
            with open(f"/proc/{current}/comm", "rb") as f:
                command += b"\0" + f.read()
            if command == parent:
                continue  # forked, not yet exec'd: its pages are its parent's, read already
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii",
                      errors="replace") as f:
                total += next((int(line.split()[1]) for line in f
                               if line.startswith("Pss:")), 0)
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as f:
                stack.extend((int(child), command) for child in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> dict[str, float]:
    """Run one process to completion, after flushing what earlier ones wrote: wall seconds,
    CPU seconds (its own and its helper processes', so work done on the second core shows),
    and peak memory: the larger of its own peak RSS and the peak PSS summed over it and its
    helpers, sampled every 20 ms (MB)."""
    # The previous process's files are flushed to disk first: left dirty, they were written
    # back during the next timed process (plain's 5,000 pages during the cold build, and the
    # other way round), a cost that belongs to neither.
    os.sync()
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=err)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read().decode()[-3000:]}")
    return {"s": seconds, "mb": max(usage.ru_maxrss, peak[0]) / MB,
            "cpu": usage.ru_utime + usage.ru_stime}


def threads_of(content: Path) -> list[tuple[str, str, list[str]]]:
    """(thread id, title, bodies in order) of every generated thread."""
    from publisher.content.load import split_front_matter

    found = []
    for folder in sorted(p for p in (content / "messages").glob("*/*") if p.is_dir()):
        bodies, title = [], ""
        for file in sorted(folder.glob("*.md")):
            split = split_front_matter(file.read_text(encoding="utf-8"))
            assert split is not None
            front, body, _ = split
            title = title or yaml.safe_load(front).get("title", "")
            bodies.append(body.strip())
        found.append((folder.name, title, bodies))
    return found


def plain_site(root: Path, threads: list[tuple[str, str, list[str]]]) -> Path:
    """A mkdocs-material site: one page per thread with all its text, the status site's
    theme settings (without its overrides folder) and nav, no search."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    theme = {k: v for k, v in config["theme"].items() if k != "custom_dir"}
    docs = root / "docs"
    for name in ("index", "services", "history", "news"):
        (docs / name).mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Status\n\nAll systems operational.\n")
    for name in ("services", "history", "news"):
        (docs / name / "index.md").write_text(f"# {name.title()}\n\nIndex.\n")
    for thread_id, title, bodies in threads:
        folder = docs / "incidents" / thread_id[:4]
        folder.mkdir(parents=True, exist_ok=True)
        text = "\n\n".join(f"## Update {i}\n\n{b}" for i, b in enumerate(bodies, 1))
        (folder / f"{thread_id}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
    plain = {"site_name": "Plain", "docs_dir": "docs", "use_directory_urls": True,
             "theme": theme, "plugins": [], "nav": config["nav"],
             "extra": {"generator": False},
             "validation": {"nav": {"omitted_files": "ignore"}}}
    (root / "mkdocs.yml").write_text(yaml.safe_dump(plain, sort_keys=False))
    return root / "mkdocs.yml"


def cstate(root: Path, threads: list[tuple[str, str, list[str]]], theme: Path | None,
           env: dict[str, str]) -> dict[str, float] | str:
    """cState on Hugo with one issue per thread, or why it was skipped."""
    hugo = shutil.which("hugo")
    if hugo is None:
        return "skipped: hugo is not on PATH"
    if theme is None or not theme.is_dir():
        return "skipped: give --cstate DIR (a checkout of github.com/cstate/cstate)"
    shutil.rmtree(root, ignore_errors=True)  # a tree kept by an earlier run (--keep)
    issues = root / "content" / "issues"
    issues.mkdir(parents=True)
    for thread_id, title, bodies in threads:
        front = yaml.safe_dump({"title": title, "date": "2026-01-01T10:00:00Z",
                                "resolved": True, "resolvedWhen": "2026-01-01T12:00:00Z",
                                "severity": "disrupted",
                                "affected": ["Service"], "section": "issue"})
        (issues / f"{thread_id}.md").write_text(f"---\n{front}---\n" + "\n\n".join(bodies))
    (root / "themes").mkdir()
    os.symlink(theme.resolve(), root / "themes" / "cstate")
    # cState's own example configuration (its colours, labels and options), one system
    config = yaml.safe_load((theme / "exampleSite" / "config.yml").read_text(encoding="utf-8"))
    config.update(baseURL="https://status.example.ac.uk/", title="Status", theme="cstate")
    config["params"]["systems"] = [{"name": "Service"}]
    config["params"]["categories"] = [{"name": "Uncategorized"}]
    config["timeout"] = "3600s"  # its yearly archive is one template call over every issue
    (root / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    try:
        return run([hugo, "--quiet", "-s", str(root), "-d", str(root / "public")], env)
    except SystemExit as failed:  # report it beside the other figures, not instead of them
        return f"failed: {str(failed).strip().splitlines()[-1][:200]}"


def new_message(content: Path) -> None:
    """One new message: a copy of the last thread's notice as a new incident."""
    last = sorted(p for p in (content / "messages").glob("*/*") if p.is_dir())[-1]
    target = last.parent / f"{last.name}-again"
    target.mkdir()
    shutil.copy2(last / "01-notice.md", target / "01-notice.md")


def settled(site: Path, command: list[str], env: dict[str, str]) -> dict[str, float]:
    """``run`` a build, then wait for its background delete of the previous site to end,
    so the next figure does not share the machine with it (in real use builds are minutes
    apart)."""
    figure = run(command, env)
    deadline = time.monotonic() + 300
    while any(site.parent.glob(f".{site.name}-old-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    return figure


def fastest(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest of several runs of the same work (noise only ever adds time), with the
    largest peak memory of any of them."""
    best = dict(min(runs, key=lambda r: r["s"]))
    best["mb"] = max(r["mb"] for r in runs)
    return best


def measure(work: Path, threads: int, env: dict[str, str], theme: Path | None,
            repeat: int = 1) -> dict[str, Any]:
    from generate import generate

    content = work / "content"
    if (content / "messages").is_dir():  # generated by an earlier run with --keep: reuse it
        for again in (content / "messages").glob("*/*-again"):
            shutil.rmtree(again)
    else:
        generate(content, threads * 3, threads_only=True, rich=True)
    cache = work / "build" / ".cache"
    site = work / "build" / "site"
    py = sys.executable
    def check(now: str = NOW) -> list[str]:
        return [py, "-m", "publisher", "check", str(content), "--now", now]

    def build(now: str = NOW) -> list[str]:
        return [py, "-m", "publisher", "build", str(content), "--now", now, "--out",
                str(site), "-f", str(REPO / "mkdocs.yml")]

    texts = threads_of(content)
    out: dict[str, Any] = {}
    plain = [py, "-m", "mkdocs", "build", "-q", "-f", str(plain_site(work / "plain", texts)),
             "-d", str(work / "plain-site")]
    plains, colds = [], []
    for _ in range(repeat - 1):  # plain and cold in turn, so a slow spell hits both alike
        plains.append(run(plain, env))
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(settled(site, build(), env))
    plains.append(run(plain, env))
    out["plain"] = fastest(plains)
    shutil.rmtree(cache, ignore_errors=True)
    out["check cold"] = run(check(), env)
    out["check warm"] = run(check(), env)
    shutil.rmtree(cache, ignore_errors=True)
    colds.append(settled(site, build(), env))
    out["build cold"] = fastest(colds)
    out["warm, no change"] = settled(site, build(), env)
    out["warm, 5 min later"] = settled(site, build(LATER), env)  # the schedule, all day
    new_message(content)
    out["warm, 1 new message"] = settled(site, build(NEWER), env)
    out["check warm, 1 new"] = run(check(NEWER), env)  # the last check was of files before
    out["pages"] = sum(1 for _ in site.rglob("index.html"))
    out["plain pages"] = sum(1 for _ in (work / "plain-site").rglob("index.html"))
    out["cstate"] = cstate(work / "cstate", texts, theme, env)
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


ROWS = ("plain", "build cold", "warm, no change", "warm, 5 min later", "warm, 1 new message",
        "check cold", "check warm", "check warm, 1 new")


def report(results: dict[int, dict[str, Any]]) -> None:
    """Every figure side by side, each size's ratios, and the targets met or missed."""
    sizes = sorted(results)
    both = len(sizes) == 2
    print(f"\n{'figure':<22}" + "".join(f"{f'{n:,} threads':>29}" for n in sizes)
          + (f"{'growth':>10}" if both else ""))
    for row in ROWS:
        figures = [results[n][row] for n in sizes]
        cells = "".join(f"{f['s']:>8.2f} s {f['cpu']:>6.1f} cpu {f['mb']:>4.0f} MB"
                        for f in figures)
        growth = ""
        if both:
            ratio = figures[1]["s"] / figures[0]["s"]
            growth = f"{ratio:>8.2f}x ({verdict(ratio <= 5.5)}: <= 5.5x)"
        print(f"{row:<22}{cells}{growth}")
    for n in sizes:
        r = results[n]
        ratio = r["build cold"]["s"] / r["plain"]["s"]
        hugo = r["cstate"]
        print(f"\n{n:,} threads ({n * 3:,} messages): {r['pages']} status pages, "
              f"{r['plain pages']} plain pages")
        print(f"  cold build / plain: {ratio:.2f}x ({verdict(ratio <= 1.6)}: <= 1.6x)")
        print("  cState on Hugo: " + (hugo if isinstance(hugo, str) else
                                      f"{hugo['s']:.2f} s {hugo['mb']:.0f} MB"))
    if max(sizes) >= 5000:
        b = results[max(sizes)]
        peak, new, same = b["build cold"]["mb"], b["warm, 1 new message"]["s"], \
            b["warm, no change"]["s"]
        print(f"\nat {max(sizes):,} threads: peak {peak:.0f} MB ({verdict(peak <= 400)}: "
              f"<= 400 MB); warm, 1 new message {new:.2f} s ({verdict(new <= 5)}: <= 5 s); "
              f"warm, no change {same:.2f} s ({verdict(same <= 3)}: <= 3 s)")
    print("(check on exactly 5,000 messages, cold and warm: bench/check_bench.py)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--keep", type=Path,
                        help="keep the generated trees here (and reuse them on the next run)")
    parser.add_argument("--cstate", type=Path, help="a checkout of the cState Hugo theme")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run plain and the cold build this many times each and report "
                             "the fastest of each (the last cold build is the one the warm "
                             "builds follow)")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="site-bench-"))
    env = bench_env(NO_MKDOCS_2_WARNING="1", PUBLISHER_NOW=NOW)
    env.pop("PUBLISHER_CACHE_DIR", None)
    results: dict[int, dict[str, Any]] = {}
    try:
        for n in args.threads:
            results[n] = measure(work / f"t{n}", n, env, args.cstate, args.repeat)
            print(f"{n} threads done", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
