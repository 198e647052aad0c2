"""Approval provenance: an approval in front matter is a claim; git history is the evidence.

For each approval step (``workflow.steps[i]`` with ``step: approval``) we first check that the
text is still the text approved (``digest``, see ``policy.digest``), then find, with
``git blame``, the commit that added the line naming the approver, and accept the claim only
if that commit was authored by one of the approver's git identities (``people.yml``:
``git: [{name, email}]``) or carries a ``Signed-off-by:`` trailer from one. Blame follows
the file through renames (a single-file thread moved into a folder with ``git mv``).

A claim added before provenance was required may be trusted by naming that point in history
(``provenance.trusted_before`` in policy.yml): commits it contains are accepted as they are.
Author and trailer are what git records, not cryptographic proof; docs/tools.md says how to
add signed commits and branch protection for that.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..content.model import Content, Message
from ..errors import ConfigError, Problem, Severity
from . import digest

UNCOMMITTED = "0" * 40
TRAILER = re.compile(r"^Signed-off-by:\s*(?P<name>.*?)\s*<(?P<email>[^>]+)>\s*$",
                     re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    subject: str
    signoffs: tuple[tuple[str, str], ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:8]


@dataclass
class Claim:
    """One approval in front matter and what git says about it."""

    message: Message
    index: int
    step: str
    by: str
    line: int
    commit: Commit | None = None
    verified: bool = False
    trusted: bool = False
    """Accepted because the commit predates ``trusted_before``."""
    reason: str = ""

    @property
    def field(self) -> str:
        return f"workflow.steps[{self.index}].by"

    def problem(self, severity: Severity = Severity.ERROR) -> Problem:
        return Problem(self.message.source, self.line, self.field, self.reason, severity,
                       "provenance", "commit the approval as the approver, or have them add "
                       "Signed-off-by", message_id=self.message.id)


@dataclass
class Settings:
    """``provenance:`` in policy.yml."""

    require_verified_approvals: bool = False
    steps: list[str] = field(default_factory=lambda: ["approval"])
    trusted_before: str | None = None

    @classmethod
    def of(cls, content: Content) -> Settings:
        from ..errors import ContentError
        from . import load_policy

        try:
            spec = load_policy(content).file.provenance
        except ContentError:
            return cls()  # a broken policy file is reported by the policy itself
        return cls(spec.require_verified_approvals, list(spec.steps), spec.trusted_before)


class Git:
    """The few git questions we ask, with answers cached per run."""

    def __init__(self, start: Path) -> None:
        done = self._run(["rev-parse", "--show-toplevel"], start, check=False)
        if done.returncode != 0:
            raise ConfigError(f"{start}: not inside a git repository (approval provenance "
                              "comes from git history)")
        self.root = Path(done.stdout.strip())
        self._commits: dict[str, Commit] = {}
        self._ancestor: dict[tuple[str, str], bool] = {}

    @staticmethod
    def _run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                                  check=False)
        except OSError as exc:
            raise ConfigError(f"cannot run git: {exc}") from exc
        if check and done.returncode != 0:
            raise ConfigError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done

    def blame(self, path: Path) -> dict[int, str] | None:
        """Line number → commit id for a file as it is on disk (None: not tracked)."""
        rel = path.resolve().relative_to(self.root.resolve())
        # without a revision, blame annotates the working-tree file: uncommitted lines get
        # the all-zero id; renames (git mv) are followed back through history
        done = self._run(["blame", "--porcelain", "--", str(rel)], self.root, check=False)
        if done.returncode != 0:
            return None
        lines: dict[int, str] = {}
        for row in done.stdout.splitlines():
            parts = row.split(" ")
            if len(parts) >= 3 and len(parts[0]) == 40 and parts[1].isdigit():
                lines[int(parts[2])] = parts[0]
        return lines

    def commit(self, sha: str) -> Commit:
        if sha not in self._commits:
            done = self._run(["show", "-s", "--format=%an%x00%ae%x00%s%x00%B", sha], self.root)
            name, email, subject, body = done.stdout.split("\x00", 3)
            signoffs = tuple((m["name"], m["email"]) for m in TRAILER.finditer(body))
            self._commits[sha] = Commit(sha, name, email, subject, signoffs)
        return self._commits[sha]

    def contains(self, base: str, sha: str) -> bool:
        """Whether ``sha`` is ``base`` or one of its ancestors."""
        key = (base, sha)
        if key not in self._ancestor:
            done = self._run(["merge-base", "--is-ancestor", sha, base], self.root, check=False)
            if done.returncode not in (0, 1):
                raise ConfigError(f"provenance.trusted_before: {base!r} is not a commit in "
                                  f"{self.root} ({done.stderr.strip()})")
            self._ancestor[key] = done.returncode == 0
        return self._ancestor[key]


def _identities(content: Content, person_id: str) -> set[str]:
    person = content.people.get(person_id)
    return {g.email.strip().lower() for g in person.git} if person else set()


def _judge(content: Content, claim: Claim, commit: Commit) -> None:
    emails = _identities(content, claim.by)
    person = content.people.get(claim.by)
    who = f"{person.name} ({claim.by})" if person else claim.by
    signers = {email.lower() for _, email in commit.signoffs}
    if commit.author_email.lower() in emails:
        claim.verified, claim.reason = True, f"authored by {commit.author_email}"
        return
    if emails & signers:
        claim.verified = True
        claim.reason = f"signed off by {sorted(emails & signers)[0]}"
        return
    known = ", ".join(sorted(emails)) or "none: add git: [{email: …}] in people.yml"
    signed = ("; Signed-off-by: " + ", ".join(f"{n} <{e}>" for n, e in commit.signoffs)
              if commit.signoffs else "; no Signed-off-by from them")
    claim.reason = (f"{claim.step} by {claim.by} is not verified: commit {commit.short} "
                    f"(\"{commit.subject}\") that added it was authored by "
                    f"{commit.author_name} <{commit.author_email}>, not by {who}{signed} "
                    f"(their git identities: {known})")


def verify(content: Content, settings: Settings | None = None,
           messages: list[Message] | None = None) -> list[Claim]:
    """Every claimed step (approvals by default) of ``messages`` (default: all), judged."""
    settings = settings or Settings.of(content)
    git = Git(content.root)
    claims: list[Claim] = []
    blames: dict[Path, dict[int, str] | None] = {}
    for message in messages if messages is not None else list(content.messages.values()):
        for index, step in enumerate(message.meta.workflow.steps):
            if step.step not in settings.steps and not step.digest:
                continue  # a step carrying a digest is an approval, whatever its name
            line = message.line(f"workflow.steps.{index}.by")
            claim = Claim(message, index, step.step, step.by, line)
            claims.append(claim)
            if step is digest.pinned(message) and step.digest != digest.digest_of(message):
                claim.reason = (f"{step.step} by {step.by} is not verified: the text changed "
                                "after it was approved (its digest no longer matches): "
                                "re-approve it")
                continue
            if message.path not in blames:
                blames[message.path] = git.blame(message.path)
            blame = blames[message.path]
            sha = blame.get(line) if blame is not None else None
            if sha is None:
                claim.reason = (f"{step.step} by {step.by} is not verified: the file is not "
                                "committed to git")
                continue
            if sha == UNCOMMITTED:
                claim.reason = (f"{step.step} by {step.by} is not verified: the line is not "
                                "committed yet (commit it as the approver)")
                continue
            claim.commit = git.commit(sha)
            if settings.trusted_before and git.contains(settings.trusted_before, sha):
                claim.verified = claim.trusted = True
                claim.reason = f"trusted: in history before {settings.trusted_before}"
                continue
            _judge(content, claim, claim.commit)
    return claims


def check_problems(content: Content) -> list[Problem]:
    """For ``publisher check``: unverified approvals, when policy.yml requires verification."""
    settings = Settings.of(content)
    if not settings.require_verified_approvals:
        return []
    try:
        claims = verify(content, settings)
    except ConfigError as exc:
        source = str(content.policy_path or "policy.yml")
        return [Problem(source, 1, "provenance", str(exc), Severity.ERROR, "provenance")]
    return [c.problem() for c in claims if not c.verified]
