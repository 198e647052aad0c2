"""`publisher editor`: the Decap CMS configuration generated from the content model and the
organisation's config files, the bundle served from our own files, never the public site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from editor_support import decap_dist
from tools_support import Repo, front_matter, make_repo

from publisher.content.load import load_content


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def generate(repo: Repo, *args: str) -> dict:
    done = repo.run("editor", "content", "--decap", str(decap_dist()), *args, now=None)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load((repo.root / "build/admin/config.yml").read_text(encoding="utf-8"))


def field(fields: list[dict], *path: str) -> dict:
    for name in path:
        found = next(f for f in fields if f["name"] == name)
        fields = found.get("fields", [])
    return found


def test_one_collection_per_kind_with_the_config_files_as_choices(repo: Repo) -> None:
    config = generate(repo)
    content, _ = load_content(repo.content)
    assert content is not None
    names = [c["name"] for c in config["collections"]]
    assert names == ["unplanned-outage", "planned-maintenance", "update", "extension",
                     "all-clear", "major-incident-update", "news"]
    outage = next(c for c in config["collections"] if c["name"] == "unplanned-outage")
    assert outage["folder"] == "content/messages" and outage["path"] == "{{year}}/{{slug}}"
    assert outage["filter"] == {"field": "type", "value": "unplanned-outage"}
    service = field(outage["fields"], "services", "service")
    assert [o["value"] for o in service["options"]] == list(content.services)
    impact = field(outage["fields"], "services", "impact")
    assert [o["value"] for o in impact["options"]] == [
        "operational", "under_maintenance", "degraded_performance", "partial_outage",
        "major_outage"]
    audiences = field(outage["fields"], "audiences")
    assert audiences["multiple"] is True
    assert [o["value"] for o in audiences["options"]] == list(content.audiences)
    people = field(outage["fields"], "workflow", "requested_by")
    assert [o["value"] for o in people["options"]] == list(content.people)
    start = field(outage["fields"], "window", "start")
    assert start["widget"] == "datetime" and start["format"] == "YYYY-MM-DDTHH:mm"
    assert start["label"] == "Started (Europe/London time)"
    assert field(outage["fields"], "workflow", "stage") == {
        "name": "stage", "label": "stage", "widget": "hidden", "default": "draft"}
    assert field(outage["fields"], "body")["widget"] == "markdown"
    update = next(c for c in config["collections"] if c["name"] == "update")
    threads = [o["value"] for o in field(update["fields"], "thread")["options"]]
    assert "2026-11-18-student-records-outage" in threads
    major = next(c for c in config["collections"] if c["name"] == "major-incident-update")
    faq = field(major["fields"], "major_incident", "faq")
    assert [f["name"] for f in faq["fields"]] == ["nature", "business_continuity",
                                                  "workarounds", "key_information",
                                                  "next_update"]
    assert all(o["value"] in {t.id for t in content.threads.values()
                              if t.first.meta.major_incident is not None}
               for o in field(major["fields"], "thread")["options"])


def test_local_mode_uses_decap_server_and_our_own_bundle(repo: Repo) -> None:
    config = generate(repo)
    assert config["local_backend"] == {"url": "http://localhost:8081/api/v1"}
    assert "publish_mode" not in config  # decap-server's file-system mode saves directly
    admin = repo.root / "build/admin"
    index = (admin / "index.html").read_text(encoding="utf-8")
    assert '<script src="decap-cms.js"></script>' in index
    assert "https://" not in index and "http://" not in index  # no CDN
    assert (admin / "decap-cms.js").stat().st_size > 1_000_000
    assert not list(admin.glob("*.map"))
    assert not (repo.root / "build/site").exists()


def test_forge_backends_use_the_editorial_workflow(repo: Repo) -> None:
    config = generate(repo, "--backend", "github", "--repo", "westmarch/status",
                      "--base-url", "https://oauth.westmarch.example")
    assert config["backend"] == {"name": "github", "repo": "westmarch/status",
                                 "branch": "main", "base_url": "https://oauth.westmarch.example"}
    assert config["publish_mode"] == "editorial_workflow"
    assert "local_backend" not in config
    config = generate(repo, "--backend", "gitlab", "--repo", "it/status", "--app-id", "abc",
                      "--api-root", "https://gitlab.westmarch.example/api/v4",
                      "--base-url", "https://gitlab.westmarch.example")
    assert config["backend"]["auth_type"] == "pkce" and config["backend"]["app_id"] == "abc"
    missing = repo.run("editor", "content", "--decap", str(decap_dist()), "--backend",
                       "gitea", "--repo", "it/status", now=None)
    assert missing.returncode == 1 and "--base-url: the gitea backend needs" in missing.stderr


def test_never_into_the_public_site_and_says_how_to_install(repo: Repo) -> None:
    done = repo.run("editor", "content", "--decap", str(decap_dist()), "--out",
                    "build/site/admin", now=None)
    assert done.returncode == 1
    assert "may not be written under build/site" in done.stderr
    empty = repo.root / "nothing-here"
    empty.mkdir()
    done = repo.run("editor", "content", "--decap", str(empty), now=None)
    assert done.returncode == 1
    assert "npm install --prefix .cache decap-cms@" in done.stderr


def test_the_editors_list_form_of_services_is_the_map(repo: Repo) -> None:
    path = repo.content / "messages/2026/2026-11-18-wifi.md"
    path.write_text("---\ntitle: Wi-Fi down\ntype: unplanned-outage\nservices:\n"
                    "  - {service: wifi, impact: partial_outage}\n  - service: vpn\n"
                    "window: {start: 2026-11-18T10:00, expected_end: ''}\naudiences: []\n"
                    "send_at: ''\nchannels: [status]\nworkflow: {stage: draft, "
                    "justification: ''}\n---\nBody.\n", encoding="utf-8")
    done = repo.run("status", "content", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(repo.run("check", "content", "--format", "json").stdout)
    assert report["errors"] == 0, report["problems"]
    assert front_matter(path)["services"][0] == {"service": "wifi", "impact": "partial_outage"}
    content, _ = load_content(repo.content)
    assert content is not None
    message = content.messages["2026-11-18-wifi"]
    assert dict(message.meta.services) == {"wifi": "partial_outage", "vpn": "operational"}
    assert message.meta.window is not None and message.meta.window.expected_end is None
    path.write_text(path.read_text().replace("  - service: vpn\n", "  - {servce: vpn}\n"))
    report = json.loads(repo.run("check", "content", "--format", "json").stdout)
    problem = next(p for p in report["problems"] if p["path"].endswith("2026-11-18-wifi.md"))
    assert "a list item is {service: ID, impact: STATUS} (found keys: servce)" in \
        problem["message"]


def test_the_pinned_versions_are_the_same_everywhere() -> None:
    from site_build import REPO

    from publisher.workflow.editor import DECAP_SERVER_VERSION, DECAP_VERSION

    pins = (f"decap-cms@{DECAP_VERSION}", f"decap-server@{DECAP_SERVER_VERSION}")
    for path in ("Makefile", "docs/editor.md"):
        text = (REPO / path).read_text(encoding="utf-8")
        assert all(pin in text for pin in pins), path
