from django.urls import include, path
from django.views.i18n import set_language

from accounts.models import Role
from accounts.security import staff_required
from audit import views as audit_views
from cases.admin import organisation_admin
from config.metrics import metrics
from tipline.views import healthz
from trends.views import public_results

# The audit log imports no app, so its pages get the auditor check here (audit/views.py says why).
auditor_only = staff_required(roles={Role.AUDITOR})
audit_urls = (
    [
        path("", auditor_only(audit_views.event_list), name="events"),
        path("verify/", auditor_only(audit_views.chain_verify), name="verify"),
    ],
    "audit",
)

urlpatterns = [
    path("", include("tipline.urls")),
    # Public: the whistleblower's protection (asking, check-ins, retaliation), in the follow-up session.
    path("followup/", include("protection.public_urls", namespace="protection_public")),
    # Public: what reports led to, nationwide (trends/public.py).
    path("results/", public_results, name="public_results"),
    path("staff/admin/", organisation_admin.urls),
    path("staff/changes/", include("approvals.urls", namespace="approvals")),
    path("staff/audit/", include(audit_urls, namespace="audit")),
    path("staff/linking/", include("linking.urls", namespace="linking")),
    path("staff/trends/", include("trends.urls", namespace="trends")),
    path("staff/investigation/", include("investigation.urls", namespace="investigation")),
    path("staff/evidence/", include("evidence.urls", namespace="evidence")),
    path("staff/outcomes/", include("outcomes.urls", namespace="outcomes")),
    path("staff/protection/", include("protection.urls", namespace="protection")),
    path("staff/identity/", include("identity.urls", namespace="identity")),
    path("staff/retention/", include("retention.urls", namespace="retention")),
    path("staff/", include("cases.urls", namespace="staff")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    # For operators' Prometheus only: 404 without its token; the proxy serves it on an internal listener only.
    path("metrics", metrics, name="metrics"),
]

# A database or Redis that is briefly down answers 503 with the typed text kept; other errors the 500 page.
handler500 = "tipline.unavailable.server_error"
