"""Generate a large, valid content directory for benchmarks and load tests.

``generate(root, n, seed)`` copies the demo's configuration (organisation, services,
audiences, people and, when present, policy) and writes ``n`` valid messages: incidents as
thread folders (notice, update, all-clear), planned maintenance (notice, reminder, all-clear)
and news stories, approved and sent at plausible times over the years before the demo moment,
for varied services and audiences. The same seed always gives the same files.

Usage: ``python bench/generate.py DIR N [--seed S]``
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "content"
END = datetime(2026, 11, 1, 9, 0)
"""Every generated thread ends before the demo moment (2026-11-18), so the demo's lights
are unaffected when generated content is merged in."""
CONFIG = ("organisation.yml", "services.yml", "audiences.yml", "people.yml", "policy.yml")

INCIDENT_TITLES = (
    "{name} unavailable", "{name} slow for some users", "Problems signing in to {name}",
    "{name} errors when saving", "Intermittent faults with {name}",
)
MAINTENANCE_TITLES = (
    "{name} upgrade", "Planned maintenance on {name}", "{name} security patching",
    "{name} moving to new servers",
)
NEWS_TITLES = (
    "New features in {name}", "Tips for getting more from {name}",
    "{name}: what changed this term", "Improvements to {name} after your feedback",
)
BODIES = (
    "Some people cannot use {name}. We are investigating and will update here.",
    "We have found the cause and are working on a fix for {name}.",
    "{name} is working normally again. Thank you for your patience.",
    "{name} will be unavailable while we carry out essential work.",
    "A reminder that {name} will be unavailable during the maintenance window.",
    "Read on for what is new in {name} and how it helps you.",
)


def _config(root: Path) -> tuple[list[dict], list[str], list[str], list[str]]:
    """(services, audience ids, comms people, approvers) read from the copied config."""
    services_doc = yaml.safe_load((root / "services.yml").read_text(encoding="utf-8"))
    services = [s for g in services_doc["groups"] for s in g["services"]]
    audiences = yaml.safe_load((root / "audiences.yml").read_text(encoding="utf-8"))
    people_doc = yaml.safe_load((root / "people.yml").read_text(encoding="utf-8"))
    roles = {r["id"]: r for r in people_doc["roles"]}
    everyone = [p["id"] for p in people_doc["people"]]
    comms = list(roles.get("comms-lead", {}).get("chain") or everyone[:1])
    approvers = list(roles.get("comms-director", {}).get("chain") or everyone[:1])
    return services, [a["id"] for a in audiences["audiences"]], comms, approvers


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def _front(fields: dict, body: str) -> str:
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{text}---\n{body}\n"


class _Writer:
    """Writes threads until ``n`` messages exist; one random source for reproducibility."""

    def __init__(self, root: Path, n: int, seed: int) -> None:
        self.root, self.left, self.rng = root, n, random.Random(seed)
        self.services, self.audiences, self.comms, self.approvers = _config(root)
        self.count = 0

    def workflow(self, requester: str, sent: datetime, **extra: object) -> dict:
        rng = self.rng
        drafter, approver = rng.choice(self.comms), rng.choice(self.approvers)
        intake = sent - timedelta(minutes=rng.randint(20, 90))
        steps = [
            {"step": "intake", "by": requester, "at": _stamp(intake)},
            {"step": "draft", "by": drafter, "at": _stamp(intake + timedelta(minutes=8))},
            {"step": "approval", "by": approver, "at": _stamp(intake + timedelta(minutes=15))},
        ]
        return {"requested_by": requester, "intake": _stamp(intake), "stage": "approved",
                "steps": steps, **extra}

    def pick(self) -> tuple[dict, str, list[str]]:
        service = self.rng.choice(self.services)
        requester = (service.get("managers") or self.comms)[0]
        audiences = list(service.get("audiences") or [])[:3] or self.rng.sample(
            self.audiences, k=min(2, len(self.audiences)))
        return service, requester, audiences

    def folder(self, start: datetime, slug: str) -> Path:
        self.count += 1
        name = f"{start:%Y-%m-%d}-{slug}-{self.count:05d}"
        return self.root / "messages" / f"{start:%Y}" / name

    def incident(self, start: datetime) -> None:
        rng = self.rng
        service, requester, audiences = self.pick()
        name = service["name"]
        impact = rng.choice(["degraded_performance", "partial_outage", "major_outage"])
        duration = timedelta(minutes=rng.randint(30, 600))
        folder = self.folder(start, f"{service['id']}-incident")
        sends = [start + timedelta(minutes=15), start + duration / 2,
                 start + duration + timedelta(minutes=10)]
        notice = {
            "title": rng.choice(INCIDENT_TITLES).format(name=name),
            "type": "unplanned-outage",
            "services": {service["id"]: impact},
            "status": "investigating",
            "window": {"start": _stamp(start), "expected_end": _stamp(start + duration)},
            "audiences": audiences,
            "channels": rng.choice([["status", "banner"], ["status", "email", "rss"]]),
            "send_at": _stamp(sends[0]),
            "workflow": self.workflow(requester, sends[0]),
        }
        update = {"type": "update", "status": rng.choice(["identified", "monitoring"]),
                  "send_at": _stamp(sends[1]), "workflow": self.workflow(requester, sends[1])}
        clear = {"type": "all-clear", "send_at": _stamp(sends[2]),
                 "window": {"actual_end": _stamp(start + duration)},
                 "workflow": self.workflow(requester, sends[2])}
        self.write_thread(folder, [("01-notice", notice, BODIES[0]),
                                   ("02-update", update, BODIES[1]),
                                   ("03-all-clear", clear, BODIES[2])], name)

    def maintenance(self, start: datetime) -> None:
        rng = self.rng
        service, requester, audiences = self.pick()
        name = service["name"]
        start = start.replace(hour=rng.choice([6, 7, 18, 19]), minute=0)
        end = start + timedelta(hours=rng.randint(1, 4))
        folder = self.folder(start, f"{service['id']}-maintenance")
        announced = start - timedelta(days=rng.randint(7, 21), hours=rng.randint(0, 5))
        reminded = start - timedelta(days=1, hours=rng.randint(0, 3))
        notice = {
            "title": rng.choice(MAINTENANCE_TITLES).format(name=name),
            "type": "planned-maintenance",
            "services": {service["id"]: "under_maintenance"},
            "status": "scheduled",
            "window": {"start": _stamp(start), "expected_end": _stamp(end)},
            "audiences": audiences,
            "channels": ["status", "email", "rss"],
            "send_at": _stamp(announced),
            "workflow": self.workflow(requester, announced),
        }
        reminder = {"type": "reminder", "send_at": _stamp(reminded),
                    "workflow": self.workflow(requester, reminded, exception="reminder",
                                              reminder_of=f"{folder.name}/01-notice")}
        clear = {"type": "all-clear", "status": "completed",
                 "send_at": _stamp(end + timedelta(minutes=5)),
                 "window": {"actual_end": _stamp(end)},
                 "workflow": self.workflow(requester, end + timedelta(minutes=5))}
        self.write_thread(folder, [("01-notice", notice, BODIES[3]),
                                   ("02-reminder", reminder, BODIES[4]),
                                   ("03-all-clear", clear, BODIES[2])], name)

    def news(self, start: datetime) -> None:
        rng = self.rng
        service, requester, audiences = self.pick()
        name = service["name"]
        sent = start.replace(hour=rng.choice([10, 11, 12, 14]), minute=0)
        self.count += 1
        path = (self.root / "messages" / f"{sent:%Y}"
                / f"{sent:%Y-%m-%d}-{service['id']}-news-{self.count:05d}.md")
        fields = {
            "title": rng.choice(NEWS_TITLES).format(name=name),
            "type": "news",
            "services": [service["id"]],
            "audiences": audiences,
            "channels": ["news", "rss"],
            "send_at": _stamp(sent),
            "summary": f"What is new in {name}.",
            "categories": [rng.choice(["services", "tips", "security", "projects"])],
            "workflow": self.workflow(requester, sent),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_front(fields, BODIES[5].format(name=name)), encoding="utf-8")
        self.left -= 1

    def write_thread(self, folder: Path, parts: list[tuple[str, dict, str]], name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stem, fields, body in parts[: self.left]:
            (folder / f"{stem}.md").write_text(_front(fields, body.format(name=name)),
                                               encoding="utf-8")
        self.left -= min(len(parts), self.left)


def generate(root: Path, n: int, seed: int = 0) -> Path:
    """Write the demo config and ``n`` valid messages into ``root``; returns ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in CONFIG:
        if (DEMO / name).exists():
            shutil.copy2(DEMO / name, root / name)
    (root / "messages").mkdir(exist_ok=True)
    writer = _Writer(root, n, seed)
    rng = writer.rng
    # Spread the threads evenly backwards from END: about one thread a day per 1,000 messages.
    threads = max(1, n // 2)
    span = timedelta(days=max(30, threads // 2))
    kinds = (writer.incident, writer.incident, writer.maintenance, writer.news, writer.news)
    when = END - span
    while writer.left > 0:
        when += span / threads
        start = when.replace(hour=rng.randint(7, 16), minute=rng.choice([0, 10, 20, 35, 50]),
                             second=0, microsecond=0)
        rng.choice(kinds)(start)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("n", type=int, help="how many messages to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    generate(args.directory, args.n, args.seed)
    print(f"wrote {args.n} messages to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
