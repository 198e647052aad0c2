"""Policy: the team's communications governance, as data (``content/policy.yml``).

``evaluate`` runs every rule the policy file configures and returns its findings as
``Problem`` records (rule id, severity, next action and who must take it).
"""

from __future__ import annotations

from datetime import datetime

from ..errors import Problem
from ..model import Content


def evaluate(content: Content, now: datetime) -> list[Problem]:
    """Every policy finding for ``content`` at ``now``.

    The rule kinds arrive with the workflow-policy work (issue 3); until then the loader's
    checks are the only ones and this returns no findings.
    """
    del content, now
    return []
