"""The GitOps recipe in examples/ci/: valid YAML with the promised shape, and every
`publisher` command line in it names a command and options that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from publisher.cli import main

CI = Path(__file__).resolve().parent.parent / "examples" / "ci"
FILES = ["github-actions.yml", "gitlab-ci.yml", "pre-commit-config.yaml"]


def load(name: str) -> dict:
    data = yaml.safe_load((CI / name).read_text())
    assert isinstance(data, dict)
    return data


def scripts(node: object) -> list[str]:
    """Every shell text in a workflow: run:, script:, before_script:, entry: values."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"run", "script", "before_script", "entry"}:
                found += [value] if isinstance(value, str) else [v for v in value if
                                                                   isinstance(v, str)]
            else:
                found += scripts(value)
    elif isinstance(node, list):
        for item in node:
            found += scripts(item)
    return found


def publisher_calls(text: str) -> list[list[str]]:
    calls = []
    for line in text.splitlines():
        for match in re.finditer(r"(?:^|[;&|(]\s*|\s)publisher\s+([^;&|)]*)", line):
            words = shlex.split(match.group(1).split("||")[0])
            calls.append(words)
    return calls


@pytest.mark.parametrize("name", FILES)
def test_every_publisher_command_and_option_exists(name: str) -> None:
    calls = [call for text in scripts(load(name)) for call in publisher_calls(text)]
    assert calls, f"{name} runs no publisher command"
    for call in calls:
        command = main.get_command(click.Context(main), call[0])
        assert isinstance(command, click.Command), f"{name}: no command `publisher {call[0]}`"
        options = {opt for param in command.params for opt in param.opts}
        for word in call[1:]:
            if word.startswith("-"):
                assert word.split("=")[0] in options, f"{name}: `publisher {call[0]}` has no {word}"


def test_github_workflow_shape() -> None:
    flow = load("github-actions.yml")
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "*/5 * * * *"}]
    preview, publish = flow["jobs"]["preview"], flow["jobs"]["publish"]
    assert "pull_request" in preview["if"]
    preview_runs = " ".join(scripts(preview))
    assert "publisher check" in preview_runs and "publisher build" in preview_runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in preview["steps"])
    assert publish["concurrency"] == {"group": "publisher-send", "cancel-in-progress": False}
    assert publish["environment"]["name"] == "production"
    uses = [s.get("uses", "") for s in publish["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    order = [" ".join(scripts(s)) or s.get("uses", "") for s in publish["steps"]]
    build = next(i for i, s in enumerate(order) if "publisher build" in s)
    deploy = next(i for i, s in enumerate(order) if s.startswith("actions/deploy-pages"))
    send = next(i for i, s in enumerate(order) if "publisher send" in s)
    ledger = next(i for i, s in enumerate(order) if "git push" in s)
    assert build < deploy < send < ledger
    assert publish["steps"][ledger]["if"] == "${{ !cancelled() }}"
    send_step = publish["steps"][send]
    assert send_step["env"]["PUBLISHER_SMTP_PASSWORD"] == "${{ secrets.SMTP_PASSWORD }}"
    for job, action in ((preview, "actions/cache/restore@"), (publish, "actions/cache@")):
        # the build cache is restored before the build; only main's publish job saves it
        steps = [s.get("uses", "") for s in job["steps"]]
        at = next(i for i, u in enumerate(steps) if u.startswith(action))
        cache = job["steps"][at]
        assert cache["with"]["path"] == "build/.cache"
        assert "hashFiles('content/**'" in cache["with"]["key"]
        assert at < next(i for i, s in enumerate(job["steps"])
                         if "publisher build" in " ".join(scripts(s)))
    for job in (preview, publish):  # blame needs the whole history
        checkout = next(s for s in job["steps"] if s.get("uses", "").startswith(
            "actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0


def test_gitlab_pipeline_shape() -> None:
    pipeline = load("gitlab-ci.yml")
    assert pipeline["variables"]["GIT_DEPTH"] == "0"
    assert pipeline["pages"]["artifacts"]["paths"] == ["public"]
    send = pipeline["send"]
    assert send["resource_group"] == "publisher-send" == pipeline["pages"]["resource_group"]
    assert send["environment"] == "production"
    runs = "\n".join(send["script"])
    assert "publisher send" in runs and "git push" in runs and "[skip ci]" in runs
    assert "$SMTP_PASSWORD" in runs and "password" not in runs.lower().replace(
        "smtp_password", "")
    preview = pipeline["preview"]
    assert preview["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert "build/site/" in preview["artifacts"]["paths"]
    # the build cache: kept by main's pages job, only read by a merge request's preview
    assert pipeline["pages"]["cache"]["paths"] == ["build/.cache/"]
    assert "policy" not in pipeline["pages"]["cache"]
    assert preview["cache"] == dict(pipeline["pages"]["cache"], policy="pull")


def test_pre_commit_runs_check_on_content() -> None:
    config = load("pre-commit-config.yaml")
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    check = hooks["publisher-check"]
    assert check["entry"] == "publisher check content"
    assert check["files"] == "^content/" and check["pass_filenames"] is False


def test_no_secret_is_written_into_the_recipes() -> None:
    for name in FILES:
        text = (CI / name).read_text()
        assert not re.search(r"(?i)password\s*[:=]\s*['\"]?[A-Za-z0-9]{6,}", text), name
