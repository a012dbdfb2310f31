"""The administrators' screen for the units' retention schedules (on the organisation admin site)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from audit.services import audit_changes, audit_snapshot
from cases.admin import AdministratorModelAdmin, organisation_admin
from retention.models import RetentionSchedule
from retention.services import retention_schedule_changed


@admin.register(RetentionSchedule, site=organisation_admin)
class RetentionScheduleAdmin(AdministratorModelAdmin):
    """A unit's schedule: every save is audited as a retention change, with its before and after."""

    fields = ["unit", "not_actionable_years", "unsubstantiated_years", "substantiated_years", "referred_years"]
    list_display = ["unit", "not_actionable_years", "unsubstantiated_years", "substantiated_years", "referred_years"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            stored = RetentionSchedule.objects.select_for_update().filter(pk=obj.pk).first() if change else None
            before = audit_snapshot(stored) if stored is not None else {}
            obj.save()
            retention_schedule_changed(
                schedule=obj,
                actor=request.user,  # type: ignore[arg-type]
                changes=audit_changes(before, audit_snapshot(obj)),
            )
