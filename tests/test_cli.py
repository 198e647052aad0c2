"""The `publisher` command line: check, status, schema, --help, errors as messages, one clock."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from conftest import DEMO, DEMO_NOW, MINI
from jsonschema import Draft202012Validator, FormatChecker

from publisher.cli import main
from publisher.content.load import split_front_matter

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    # narrow terminal (wrapping bugs show), and no clock from the caller's environment
    full_env = {k: v for k, v in os.environ.items() if k != "PUBLISHER_NOW"}
    full_env.update({"COLUMNS": "60", **(env or {})})
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env=full_env)


def every_command() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None and command.name == name, name
            paths.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(main, ())
    return paths


@pytest.mark.parametrize("path", every_command(), ids=lambda p: " ".join(p) or "publisher")
def test_help_on_every_command(path: tuple[str, ...]) -> None:
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(main, [*path, flag])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output
        assert result.exception is None


def test_lazy_command_table_matches_every_module() -> None:
    # the table lets `publisher check` start without importing the builder and the mailer
    from publisher import cli

    defined = {}
    for module_name in set(cli.COMMANDS.values()):
        module = importlib.import_module(f"publisher.cli.{module_name}")
        defined.update({command.name: module_name for command in module.COMMANDS})
    assert defined == cli.COMMANDS


def test_check_does_not_import_the_site_builder_or_the_mailer() -> None:
    code = ("import sys; from publisher.cli import main\n"
            "try:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('publisher.mail', "
            "'publisher.build', 'publisher.mkdocs_plugin', 'publisher.workflow', 'mkdocs'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_the_core_commands_through_the_console_entry() -> None:
    done = run("--help")
    assert done.returncode == 0
    for name in ("check", "status", "schema"):
        assert name in done.stdout


# --------------------------------------------------------------------------- check


def test_check_demo_text_summary() -> None:
    done = run("check", "content", "--now", DEMO_NOW.isoformat(), cwd=DEMO.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s)" in done.stdout
    assert "message(s)" in done.stdout


def test_check_problem_lines_are_never_wrapped(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    shutil.copytree(BROKEN / "bad-enum-type" / "messages", root / "messages", dirs_exist_ok=True)
    done = run("check", "content", "--now", DEMO_NOW.isoformat(), cwd=tmp_path)
    assert done.returncode == 1
    assert ("content/messages/2026/2026-04-01-type.md:3: type: 'outage' is not allowed (allowed: "
            "'planned-maintenance', 'new-service-launch'") in done.stdout


@pytest.mark.parametrize("command", ["check", "status"])
def test_nonexistent_content_dir_is_a_message_not_a_traceback(command: str,
                                                              tmp_path: Path) -> None:
    done = run(command, "no-such-dir", "--now", DEMO_NOW.isoformat(), cwd=tmp_path)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "no-such-dir: (directory): no such content directory" in output
    assert "Traceback" not in output


def test_status_of_broken_content_lists_problems_unwrapped(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    shutil.copytree(BROKEN / "unknown-key-servcies" / "messages", root / "messages",
                    dirs_exist_ok=True)
    done = run("status", "content", "--now", DEMO_NOW.isoformat(), cwd=tmp_path)
    assert done.returncode == 0  # one bad message is held; the lights come from the rest
    assert "held 1 message(s)" in done.stderr
    assert "Traceback" not in done.stderr
    assert ("content/messages/2026/2026-04-01-typo.md:4: servcies: unknown field 'servcies' "
            "(did you mean 'services'?)") in done.stderr


@pytest.mark.parametrize("args", [("--now", "garbage"), ("--now", "2026-02-30T10:00")])
def test_bad_now_is_a_message(args: tuple[str, str]) -> None:
    done = run("status", str(MINI), *args)
    assert done.returncode == 1
    assert "not a date and time" in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- status


def test_status_json_at_demo_moment() -> None:
    done = run("status", str(DEMO), "--format", "json", "--now", DEMO_NOW.isoformat())
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == {"now", "indicator", "sentence", "services", "groups",
                           "open_incidents", "active_maintenance", "upcoming_maintenance"}
    assert report["now"] == DEMO_NOW.isoformat()
    assert report["indicator"] in {"minor", "major", "critical"}
    assert report["services"]["student-records"] == "major_outage"
    assert "2026-11-18-student-records-outage" in report["open_incidents"]
    assert "2026-11-28-vle-upgrade" in report["upcoming_maintenance"]
    statuses = {"operational", "degraded_performance", "partial_outage", "major_outage",
                "under_maintenance"}
    assert set(report["services"].values()) <= statuses
    assert set(report["groups"].values()) <= statuses


def test_status_table_on_mini() -> None:
    done = run("status", str(MINI), "--now", "2026-03-02T10:00:00+00:00",
               env={"COLUMNS": "160"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Test University at Mon 02 Mar 2026 10:00 GMT" in out
    assert "Major outage: Email; Degraded performance: Calendar" in out
    assert "(indicator: critical)" in out
    # icon + word, never colour alone
    assert "✖ Major outage" in out and "▲ Degraded performance" in out
    assert "✔ Operational" in out
    assert "Open incidents" in out and "Email unavailable for some staff" in out


def test_status_shows_local_time_in_summer() -> None:
    done = run("status", str(MINI), "--now", "2026-07-01T09:00:00+00:00",
               env={"COLUMNS": "160"})
    assert done.returncode == 0
    assert "Wed 01 Jul 2026 10:00 BST" in done.stdout
    assert "All systems operational" in done.stdout


def test_now_option_and_environment_agree() -> None:
    by_option = run("status", str(DEMO), "--format", "json", "--now", DEMO_NOW.isoformat())
    by_env = run("status", str(DEMO), "--format", "json",
                 env={"PUBLISHER_NOW": DEMO_NOW.isoformat()})
    assert by_option.returncode == by_env.returncode == 0
    assert json.loads(by_option.stdout) == json.loads(by_env.stdout)
    check_option = run("check", str(DEMO), "--format", "json", "--now", DEMO_NOW.isoformat())
    check_env = run("check", str(DEMO), "--format", "json",
                    env={"PUBLISHER_NOW": DEMO_NOW.isoformat()})
    assert json.loads(check_option.stdout) == json.loads(check_env.stdout)


def test_now_option_wins_over_environment() -> None:
    done = run("status", str(MINI), "--format", "json", "--now", "2026-03-02T10:00:00+00:00",
               env={"PUBLISHER_NOW": "2026-06-01T10:00:00+00:00"})
    report = json.loads(done.stdout)
    assert report["now"] == "2026-03-02T10:00:00+00:00"
    assert report["open_incidents"] == ["2026-03-02-email-outage"]


# --------------------------------------------------------------------------- schema


def _plain(value: Any) -> Any:
    """YAML values as an editor's language server sees them (dates are text there)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("schema")
    done = run("schema", "--output", str(out))
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.schema.json"))
    assert {f.name for f in files} == {"message.schema.json", "organisation.schema.json",
                                       "services.schema.json", "audiences.schema.json",
                                       "people.schema.json", "policy.schema.json"}
    for file in files:
        assert f"wrote {file}" in done.stdout
    return {f.name: json.loads(f.read_text()) for f in files}


def test_schemas_are_valid_json_schema(schemas: dict[str, dict[str, Any]]) -> None:
    for name, schema in schemas.items():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", name
        Draft202012Validator.check_schema(schema)


def test_message_schema_accepts_every_demo_message(schemas: dict[str, dict[str, Any]]) -> None:
    validator = Draft202012Validator(schemas["message.schema.json"],
                                     format_checker=FormatChecker())
    paths = sorted((DEMO / "messages").rglob("*.md"))
    assert len(paths) >= 60
    for path in paths:
        split = split_front_matter(path.read_text())
        assert split is not None
        data = _plain(yaml.safe_load(split[0]))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], path


def test_message_schema_rejects_what_the_loader_rejects(
        schemas: dict[str, dict[str, Any]]) -> None:
    validator = Draft202012Validator(schemas["message.schema.json"])
    good = {"title": "t", "type": "news", "send_at": "2026-11-18T09:30"}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "servcies": {"email": "major_outage"}})
    assert not validator.is_valid({**good, "type": "outage"})
    assert not validator.is_valid({**good, "services": {"email": "down"}})
    assert not validator.is_valid({**good, "send_at": "next tuesday"})
    assert not validator.is_valid({"title": "no type"})
    assert validator.is_valid({**good, "services": ["email", "vle"]})
    assert validator.is_valid({**good, "send_at": "2026-11-18T09:30:00+00:00"})


@pytest.mark.parametrize("name", ["organisation", "services", "audiences", "people", "policy"])
def test_config_schemas_accept_the_demo_config(name: str,
                                               schemas: dict[str, dict[str, Any]]) -> None:
    validator = Draft202012Validator(schemas[f"{name}.schema.json"],
                                     format_checker=FormatChecker())
    data = _plain(yaml.safe_load((DEMO / f"{name}.yml").read_text()))
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_into_a_file_path_is_a_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run("schema", "--output", str(blocker))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_brackets_in_content_are_shown_not_taken_as_markup(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    services = root / "services.yml"
    services.write_text(services.read_text().replace("name: HPC cluster",
                                                     'name: "HPC [beta] cluster"'))
    (root / "messages" / "2026" / "2026-03-02-hpc-down.md").write_text(
        "---\ntitle: \"HPC down [link] [bold]now\"\ntype: unplanned-outage\n"
        "services: {hpc: major_outage}\nsend_at: 2026-03-02T09:00\nworkflow: {stage: approved}"
        "\n---\nDown.\n")
    done = run("status", "content", "--now", "2026-03-02T10:00:00+00:00", cwd=tmp_path,
               env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "HPC [beta] cluster" in done.stdout
    assert "HPC down [link] [bold]now" in done.stdout
    assert "Major outage: Email, HPC [beta] cluster" in done.stdout


def test_upcoming_maintenance_says_from_not_since() -> None:
    done = run("status", str(MINI), "--now", "2026-03-15T10:00:00+00:00",
               env={"COLUMNS": "200"})
    assert "Upcoming maintenance" in done.stdout
    assert "VLE upgrade (scheduled, from 20 Mar 07:00)" in done.stdout
