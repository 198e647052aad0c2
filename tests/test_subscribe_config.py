"""services.yml `subscribe:`: a sign-up link, never a mailto: to the list itself."""

from __future__ import annotations

from pathlib import Path

from tools_support import Repo, make_repo


def test_a_subscribe_link_to_the_list_itself_or_a_script_is_refused(tmp_path: Path) -> None:
    repo: Repo = make_repo(tmp_path)
    services = repo.content / "services.yml"
    text = services.read_text(encoding="utf-8")
    text = text.replace("subscribe: mailto:telephony-updates-request@",
                        "subscribe: mailto:Telephony-Updates@")
    text = text.replace("subscribe: https://lists.westmarch.example/mailman/listinfo/vle-updates",
                        'subscribe: "javascript:alert(1)"')
    services.write_text(text, encoding="utf-8")
    done = repo.run("check", "content")
    assert done.returncode == 1
    assert "services.yml:20: groups[0].services[2]: subscribe: mailto:telephony-updates@lists." \
           "westmarch.example is the list itself" in done.stdout
    assert "services.yml:37: groups[1].services[0].subscribe: 'javascript:alert(1)' is not a " \
           "sign-up link (allowed: an https:// web page, or mailto:ADDRESS" in done.stdout
