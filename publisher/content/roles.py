"""Who holds a role at a given moment: ordered fallback chains and unavailability.

The first source document gives every role a responsibility fallback: the duty falls to the
first person on the list who is available. Service managers' chains come from each service.
"""

from __future__ import annotations

from datetime import datetime

from .model import Content, Person


def chain(content: Content, role_id: str, service_ids: list[str] | None = None) -> list[str]:
    """The ordered list of people who may hold ``role_id`` (for a per-service role, the
    managers of the given services, first service first, without repeats)."""
    role = content.roles.get(role_id)
    if role is None:
        return []
    if not role.per_service:
        return list(role.chain)
    people: list[str] = []
    for service_id in service_ids or []:
        service = content.services.get(service_id)
        for person in service.managers if service else []:
            if person not in people:
                people.append(person)
    return people or list(role.chain)


def first_available(content: Content, role_id: str, at: datetime,
                    service_ids: list[str] | None = None) -> Person | None:
    """The person a duty falls to at ``at``: the first available in the role's chain."""
    day = content.local(at).date()
    for person_id in chain(content, role_id, service_ids):
        person = content.people.get(person_id)
        if person is not None and person.available_on(day):
            return person
    return None


def may_act(content: Content, person_id: str, role_id: str, at: datetime,
            service_ids: list[str] | None = None) -> bool:
    """Whether ``person_id`` may act for ``role_id`` at ``at``.

    Only the first available person in the chain holds the role: a fallback may act only
    while everyone before them is unavailable (it never outranks the person it stands in for).
    """
    day = content.local(at).date()
    for candidate in chain(content, role_id, service_ids):
        person = content.people.get(candidate)
        if candidate == person_id:
            return person is not None and person.available_on(day)
        if person is not None and person.available_on(day):
            return False
    return False


def roles_of(content: Content, person_id: str) -> list[str]:
    """Every role whose chain (or any service's managers) names the person."""
    held = [r.id for r in content.roles.values() if person_id in r.chain]
    if any(person_id in s.managers for s in content.services.values()):
        held += [r.id for r in content.roles.values() if r.per_service and r.id not in held]
    return held
