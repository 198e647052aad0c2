"""Generate a large, valid content directory for benchmarks and load tests.

``generate(root, n, seed)`` copies the demo's configuration (organisation, services,
audiences, people and, when present, policy) and writes ``n`` valid messages: incidents as
thread folders (notice, update, all-clear), planned maintenance (notice, reminder, all-clear)
and news stories, approved and sent at plausible times over the years before the demo moment,
for varied services and audiences. The same seed always gives the same files.

Usage: ``python bench/generate.py DIR N [--seed S] [--threads-only] [--rich]``
"""

from __future__ import annotations

import argparse
import os
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


LEADS = (
    "Some people cannot use **{name}** right now. We are *investigating* and will update "
    "this page as soon as we know more. Work saved before the fault is safe.",
    "We have found the cause of the problem with **{name}**: a faulty component in the "
    "service's storage. Our engineers are *replacing it now* and testing each step.",
    "**{name}** is working normally again. The fault has been fixed and we have checked "
    "that everything saved during the incident is intact.",
    "**{name}** will be unavailable while we carry out *essential work* to keep it secure "
    "and reliable. Please plan around the window below.",
    "A reminder that **{name}** will be unavailable during the *maintenance window* "
    "announced earlier. Nothing has changed since our first notice.",
)
ADVICE = (
    ("save your work often and keep a copy on your own device",
     "use the web version if the desktop app will not connect",
     "tell your school office if a deadline is at risk"),
    ("sign out and back in if pages look out of date",
     "clear your browser's cache if errors persist",
     "check this page rather than calling the service desk"),
    ("nothing: your files and settings are unchanged",
     "report anything that still looks wrong through the service desk",
     "read the summary below for what we will change"),
)
CLOSINGS = (
    "For help, see the [IT service desk](https://it.example.ac.uk/help) or call "
    "extension 4000. Next update by *12:00* or sooner if anything changes.",
    "Read more about [how we handle incidents](https://it.example.ac.uk/incidents) and "
    "about our [service levels](https://it.example.ac.uk/sla). Thank you for your patience.",
)


def rich_body(rng: random.Random, index: int, name: str, reference: str) -> str:
    """About 100 words of Markdown as the team writes it: two paragraphs with emphasis, a
    list of advice and links, so Markdown conversion costs what it costs in real use. The
    reference makes every body unique, as real ones are (no conversion is shared)."""
    lead = LEADS[index % len(LEADS)].format(name=name)
    advice = "\n".join(f"- {item}" for item in ADVICE[rng.randrange(len(ADVICE))])
    return (f"{lead} We are sorry for the disruption this causes to teaching, research "
            f"and study, and we will explain what happened.\n\n**What you can do:**\n\n{advice}\n\n"
            f"{CLOSINGS[rng.randrange(len(CLOSINGS))]} Our reference: `{reference}`.")


def _config(root: Path) -> tuple[list[dict], list[str], list[str], list[str], list[str]]:
    """(services, audience ids, comms people, approvers) read from the copied config.

    Audiences with a representative (a sub-community) are left out: messages to them need
    one more approval, which the generated workflows do not record."""
    services_doc = yaml.safe_load((root / "services.yml").read_text(encoding="utf-8"))
    services = [s for g in services_doc["groups"] for s in g["services"]]
    audiences = yaml.safe_load((root / "audiences.yml").read_text(encoding="utf-8"))
    people_doc = yaml.safe_load((root / "people.yml").read_text(encoding="utf-8"))
    roles = {r["id"]: r for r in people_doc["roles"]}
    everyone = [p["id"] for p in people_doc["people"]]
    comms = list(roles.get("comms-lead", {}).get("chain") or everyone[:1])
    control = list(roles.get("comms-control", {}).get("chain") or comms)
    approvers = list(roles.get("comms-director", {}).get("chain") or everyone[:1])
    plain = [a["id"] for a in audiences["audiences"] if not a.get("representative_role")]
    return services, plain, comms, approvers, control


class _Calendar:
    """Who is available on a day and whether an instant is in business hours, from the
    copied config, so generated workflows pass the policy (fallbacks, out-of-hours rule)."""

    def __init__(self, root: Path) -> None:
        org = yaml.safe_load((root / "organisation.yml").read_text(encoding="utf-8"))
        hours = org.get("business_hours") or {}
        self.days = hours.get("days", ["mon", "tue", "wed", "thu", "fri"])
        self.start = str(hours.get("start", "09:00"))
        self.end = str(hours.get("end", "17:00"))
        self.closures = {str(d) for d in hours.get("closures", [])}
        people = yaml.safe_load((root / "people.yml").read_text(encoding="utf-8"))
        self.away = {p["id"]: [(str(u["from"]), str(u["to"])) for u in p.get("unavailable", [])]
                     for p in people["people"]}

    def in_hours(self, when: datetime) -> bool:
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[when.weekday()]
        return (day in self.days and when.strftime("%Y-%m-%d") not in self.closures
                and self.start <= when.strftime("%H:%M") < self.end)

    def first(self, chain: list[str], when: datetime) -> str:
        day = when.strftime("%Y-%m-%d")
        for person in chain:
            if not any(a <= day <= b for a, b in self.away.get(person, [])):
                return person
        return chain[0]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def _front(fields: dict, body: str) -> str:
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{text}---\n{body}\n"


class _Writer:
    """Writes threads until ``n`` messages exist; one random source for reproducibility."""

    def __init__(self, root: Path, n: int, seed: int, rich: bool = False) -> None:
        self.root, self.left, self.rng = root, n, random.Random(seed)
        self.rich = rich
        self.services, self.audiences, self.comms, self.approvers, self.control = _config(root)
        self.calendar = _Calendar(root)
        self.count = 0

    def workflow(self, requester: str, sent: datetime, kind: str = "update",
                 **extra: object) -> dict:
        """A recorded workflow that follows content/policy.yml for the kind of message:
        ``outage`` (intake, confirm-need, draft, approval), ``update``, ``all-clear``,
        ``planned`` (the full planned workflow, intake at least 14 days before the send),
        ``reminder`` (scheduling; approval, as the generated text differs) and ``news``."""
        rng, cal = self.rng, self.calendar
        lead = cal.first(self.comms, sent)
        director = cal.first(self.approvers, sent)
        if kind == "planned":
            intake = sent - timedelta(days=rng.randint(15, 20))
            names = [("initial-evaluation", requester, -4), ("intake", requester, 0),
                     ("first-draft", lead, 2), ("sme-review", requester, 4),
                     ("second-draft", lead, 5),
                     ("comms-control-review",
                      cal.first(self.control, intake + timedelta(days=6)), 6),
                     ("final-draft", lead, 7), ("approval", director, 8)]
            # the approver is whoever of the chain is available on the approval day itself
            steps = [{"step": s, "by": cal.first(self.approvers, intake + timedelta(days=d))
                      if s == "approval" else by, "at": _stamp(intake + timedelta(days=d))}
                     for s, by, d in names]
            return {"requested_by": requester, "intake": _stamp(intake), "stage": "approved",
                    "steps": steps, **extra}
        if kind == "reminder":
            at = sent - timedelta(hours=20)
            steps = [{"step": "scheduling", "by": lead, "at": _stamp(at)},
                     {"step": "approval", "by": cal.first(self.approvers, at + timedelta(hours=1)),
                      "at": _stamp(at + timedelta(hours=1))}]
            return {"requested_by": requester, "stage": "approved", "steps": steps, **extra}
        if kind == "news":
            intake = sent - timedelta(days=rng.randint(5, 12))
            names = [("intake", requester, 0), ("draft", lead, 1), ("copyedit", lead, 2),
                     ("approval", cal.first(self.approvers, intake + timedelta(days=3)), 3),
                     ("scheduling", lead, 4)]
            steps = [{"step": s, "by": by, "at": _stamp(intake + timedelta(days=d))}
                     for s, by, d in names]
            return {"requested_by": requester, "intake": _stamp(intake), "stage": "approved",
                    "steps": steps, **extra}
        intake = sent - timedelta(minutes=rng.randint(20, 90))
        steps = [{"step": "intake", "by": requester, "at": _stamp(intake)}]
        if kind == "outage":
            # outside business hours the director evaluates the scope (R5)
            confirm = lead if cal.in_hours(intake) else cal.first(self.approvers, intake)
            steps.append({"step": "confirm-need", "by": confirm,
                          "at": _stamp(intake + timedelta(minutes=4))})
        approver = lead if kind == "all-clear" else cal.first(self.approvers, intake)
        steps += [
            {"step": "draft", "by": lead, "at": _stamp(intake + timedelta(minutes=8))},
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
            # the banner reaches everyone affected (R6), whoever the email goes to
            "channels": rng.choice([["status", "banner"], ["status", "banner", "email", "rss"]]),
        }
        if service["id"] == "email" and impact != "degraded_performance":
            # email cannot announce its own outage: the policy's alternatives (R11)
            notice["channels"] = ["status", "banner", "social", "sms"]
        notice |= {
            "send_at": _stamp(sends[0]),
            "workflow": self.workflow(requester, sends[0], "outage",
                                      justification="Generated: the channels suit a benchmark."),
        }
        update = {"type": "update", "status": rng.choice(["identified", "monitoring"]),
                  "send_at": _stamp(sends[1]), "workflow": self.workflow(requester, sends[1])}
        clear = {"type": "all-clear", "send_at": _stamp(sends[2]),
                 "window": {"actual_end": _stamp(start + duration)},
                 "workflow": self.workflow(requester, sends[2], "all-clear")}
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
            "workflow": self.workflow(requester, announced, "planned",
                                      justification="Generated: the channels suit a benchmark."),
        }
        reminder = {"type": "reminder", "send_at": _stamp(reminded),
                    "workflow": self.workflow(requester, reminded, "reminder",
                                              exception="reminder",
                                              reminder_of=f"{folder.name}/01-notice")}
        clear = {"type": "all-clear", "status": "completed",
                 "send_at": _stamp(end + timedelta(minutes=5)),
                 "window": {"actual_end": _stamp(end)},
                 "workflow": self.workflow(requester, end + timedelta(minutes=5),
                                           "all-clear")}
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
            "workflow": self.workflow(requester, sent, "news"),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_front(fields, BODIES[5].format(name=name)), encoding="utf-8")
        self.left -= 1

    def write_thread(self, folder: Path, parts: list[tuple[str, dict, str]], name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stem, fields, body in parts[: self.left]:
            text = (rich_body(self.rng, BODIES.index(body), name, f"{folder.name}/{stem}")
                    if self.rich
                    else body.format(name=name))
            (folder / f"{stem}.md").write_text(_front(fields, text), encoding="utf-8")
        self.left -= min(len(parts), self.left)


def generate(root: Path, n: int, seed: int = 0, *, threads_only: bool = False,
             rich: bool = False) -> Path:
    """Write the demo config and ``n`` valid messages into ``root``; returns ``root``.

    ``threads_only``: only incidents and maintenance (three messages each), so ``n // 3``
    threads; ``rich``: bodies of about 100 words with paragraphs, emphasis, a list and links
    (the site benchmark), instead of one sentence."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in CONFIG:
        if (DEMO / name).exists():
            shutil.copy2(DEMO / name, root / name)
    (root / "messages").mkdir(exist_ok=True)
    writer = _Writer(root, n, seed, rich)
    rng = writer.rng
    # Spread the threads evenly backwards from END: about one thread a day per 1,000 messages.
    threads = max(1, n // 3 if threads_only else n // 2)
    span = timedelta(days=max(30, threads // 2))
    kinds = (writer.incident, writer.incident, writer.maintenance, writer.news, writer.news)
    if threads_only:
        kinds = (writer.incident, writer.incident, writer.maintenance)
    when = END - span
    while writer.left > 0:
        when += span / threads
        start = when.replace(hour=rng.randint(7, 16), minute=rng.choice([0, 10, 20, 35, 50]),
                             second=0, microsecond=0)
        # the last messages are single stories, so no thread is cut short (left open)
        (rng.choice(kinds) if writer.left >= 3 else writer.news)(start)
    _pin(root)
    return root


def _pin(root: Path) -> None:
    """Record each approval's digest of the text (``publisher pin-approvals``), as the
    policy requires approvals to be pinned to what they approved."""
    sys.path.insert(0, str(REPO))
    from publisher.content.load import load_content
    from publisher.workflow.pin import pin_all

    saved = os.environ.get("PUBLISHER_CACHE_DIR")
    os.environ["PUBLISHER_CACHE_DIR"] = "off"  # files about to change: nothing worth keeping
    try:
        content, problems = load_content(root)
        if content is None:
            raise SystemExit("\n".join(str(p) for p in problems))
        pin_all(content)
    finally:
        if saved is None:
            os.environ.pop("PUBLISHER_CACHE_DIR", None)
        else:
            os.environ["PUBLISHER_CACHE_DIR"] = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("n", type=int, help="how many messages to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads-only", action="store_true",
                        help="only incidents and maintenance, three messages each")
    parser.add_argument("--rich", action="store_true",
                        help="bodies of about 100 words with emphasis, a list and links")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    generate(args.directory, args.n, args.seed, threads_only=args.threads_only, rich=args.rich)
    print(f"wrote {args.n} messages to {args.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
