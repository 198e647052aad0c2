"""Comms-lead tools: new messages from templates, recorded steps, pipeline, approval provenance.

The comms lead works in a git repository, not a web app. These tools write the files a person
would write by hand (``new``), record workflow steps without disturbing the rest of a file
(``record``), show what is in flight (``pipeline``) and check that each approval in front
matter was really committed by the approver (``provenance``).
"""

from __future__ import annotations
