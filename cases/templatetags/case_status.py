"""Template filters that read a stored status value through the case-status vocabulary (cases/statuses.py).

Templates find a library by name, so a page of the public app can show a status
without tipline's code importing cases: {% load case_status %}
{{ tip.status|status_label }} and {{ tip.status|whistleblower_explanation }}.
A value the vocabulary does not know shows as itself (the label) or as a neutral
sentence (the explanation), never as an error page.
"""

from __future__ import annotations

from django import template

from cases import statuses

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """Return the translated name of the status stored as `value`."""
    return str(statuses.status_label(value))


@register.filter
def whistleblower_explanation(value: str) -> str:
    """Return what the whistleblower reads about the status stored as `value`, translated."""
    return str(statuses.whistleblower_explanation(value))
