"""Publisher: an IT status page, newsroom and governed broadcast-email pipeline.

The package reads as its pipeline, one module per stage:

    load → model → policy → status → renderers → mail

``load`` turns ``content/`` into the ``model``; ``policy`` checks it against the
team's communications rules; ``status`` answers "what is happening at ``now``";
the renderers and ``mail`` only ever ask ``status`` and never decide on their own.
"""

from __future__ import annotations

__version__ = "0.1.0"
