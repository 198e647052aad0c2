"""Status badges: ``badges/<service>.svg`` and ``badges/overall.svg``.

A two-part badge (name | icon + status word) for wikis, READMEs and intranet pages. The word
and icon carry the status, so it never depends on colour alone; the colours keep at least
4.5:1 contrast with their text; ``role="img"`` and a ``<title>`` give screen readers the whole
sentence. Text is XML-escaped, so a service name can never inject markup.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from ..content.model import ComponentStatus
from ..content.urls import badge_path
from ..status import LIGHTS
from ..text.markup import plain
from . import BuildContext

FILL = {
    # colour name → (background, text); each pair at least 4.5:1 (WCAG 2.2 AA)
    "green": ("#1a7f37", "#ffffff"),
    "blue": ("#0b5cad", "#ffffff"),
    "amber": ("#f0b400", "#1b1b1b"),
    "red": ("#b42318", "#ffffff"),
}
LABEL_FILL = ("#454545", "#ffffff")
ICONS = {"check": "✔", "wrench": "⚙", "alert": "▲", "alert-octagon": "◆",
         "close-octagon": "✖"}
CHAR_WIDTH = 6.8
"""Average advance of 11px Verdana/DejaVu Sans, enough to size the badge without fonts."""
PADDING = 12


def _width(text: str) -> int:
    return round(len(text) * CHAR_WIDTH + PADDING)


def badge_svg(label: str, status: ComponentStatus) -> bytes:
    """One badge: ``label`` on the left, the status icon and word on the right."""
    colour, icon, word = LIGHTS[status]
    background, foreground = FILL[colour]
    value = f"{ICONS[icon]} {word}"
    left, right = _width(label), _width(value)
    total = left + right
    title = f"{label}: {word}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'viewBox="0 0 {total} 20" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{escape(title)}</title>'
        f'<rect width="{left}" height="20" fill="{LABEL_FILL[0]}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{background}"/>'
        '<g font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11" '
        'text-anchor="middle">'
        f'<text x="{left / 2:.1f}" y="14" fill="{LABEL_FILL[1]}">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14" fill="{foreground}" '
        f'data-status={quoteattr(status.value)}>{escape(value)}</text>'
        "</g></svg>\n"
    )
    return svg.encode("utf-8")


def produce_badges(ctx: BuildContext) -> dict[str, bytes]:
    organisation = ctx.content.organisation
    files = {badge_path(): badge_svg(plain(organisation.short_name or organisation.name),
                                     ctx.report.overall.status)}
    for service_id, state in ctx.report.services.items():
        files[badge_path(service_id)] = badge_svg(plain(state.service.name), state.status)
    return files
