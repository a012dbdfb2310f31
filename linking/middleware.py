"""The automatic step: each staff request links a bounded batch of waiting tips with the session's keys.

The index key is never on the server while no member is logged in, so the tips that
arrived since are keyed by the first staff sessions that can open them
(linking.automatic.pending_link): at most TIPS_PER_REQUEST a request and no new one
after settings.TIPLINE_LINKING_REQUEST_BUDGET_MS, so no page gets slow; a case's page
first links that case's own tips, so what it shows is complete.
Requests of the public side are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from accounts.security import verified_staff_member
from cases.models import CaseTip
from envelope.vault import vault_open
from linking.automatic import pending_link

STAFF_PREFIX = "/staff/"


class AutomaticLinkingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: dict[str, Any]
    ) -> None:
        if request.method != "GET" or not request.path.startswith(STAFF_PREFIX):
            return None
        member = verified_staff_member(request.user)
        if member is None or member.awaiting_own_password or not member.can_read_tips:
            return None
        vault = vault_open(request)
        if not vault:
            return None
        budget = settings.TIPLINE_LINKING_REQUEST_BUDGET_MS / 1000
        match = request.resolver_match
        if match is not None and match.view_name == "staff:case" and "public_id" in view_kwargs:
            case_tips = CaseTip.objects.filter(case__public_id=view_kwargs["public_id"]).values_list(
                "tip_id", flat=True
            )
            pending_link(vault=vault, tip_ids=list(case_tips))  # the page's own tips, whatever the budget
        pending_link(vault=vault, budget_seconds=budget)
        return None
