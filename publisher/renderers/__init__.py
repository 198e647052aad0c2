"""Renderers: every output is a function of one ``BuildContext`` (content + status at now).

Pages are made by the site renderer (mkdocs-material through a thin plugin); every other file
under ``build/site`` (feeds, API, banner, calendar, badges) comes from a *producer*: a function
``(BuildContext) -> {relative path: bytes}`` listed in ``PRODUCERS``. Renderers never decide
what is active or published: they read ``ctx.report``, which the status engine made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..content.model import Content
from ..status import StatusReport, evaluate


@dataclass(frozen=True)
class BuildContext:
    content: Content
    report: StatusReport
    now: datetime
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def at(cls, content: Content, now: datetime) -> BuildContext:
        return cls(content, evaluate(content, now), now)

    @property
    def base_url(self) -> str:
        return self.content.organisation.base_url


Producer = Callable[[BuildContext], Mapping[str, bytes] | Iterable[tuple[str, bytes]]]
"""Outputs as a mapping, or (path, bytes) pairs one at a time (never all in memory)."""
PRODUCERS: list[Producer] = []
"""Every non-page output. Order matters only for readability of the build log."""


def _lazy(module: str, name: str) -> Producer:
    """A producer that imports its module on first use: ``publisher check`` imports this
    package (for the snippet check) and should not pay for feedgen and icalendar."""

    def produce(ctx: BuildContext) -> Mapping[str, bytes] | Iterable[tuple[str, bytes]]:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(ctx)

    produce.__name__ = produce.__qualname__ = name
    return produce


PRODUCERS.extend([
    _lazy("feeds", "stream_feeds"),
    _lazy("api", "produce_api"),
    _lazy("banner", "produce_banner"),
    _lazy("calendar", "produce_calendars"),
    _lazy("badges", "produce_badges"),
    _lazy("hosting", "produce_headers"),
])


def static_outputs(ctx: BuildContext) -> dict[str, bytes]:
    """All non-page files for the site, keyed by path relative to the site root."""
    return dict(stream_outputs(ctx))


def stream_outputs(ctx: BuildContext, producers: Iterable[Producer] | None = None
                   ) -> Iterator[tuple[str, bytes]]:
    """All non-page files for the site (or those of ``producers``), one (path, bytes) at a
    time, so that a caller writing each one as it comes never holds every file in memory."""
    seen: set[str] = set()
    for producer in PRODUCERS if producers is None else producers:
        made = producer(ctx)
        for path, data in made.items() if isinstance(made, Mapping) else made:
            if path in seen:
                raise ValueError(f"two producers write {path}")
            seen.add(path)
            yield path, data

