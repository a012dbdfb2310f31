from django.urls import include, path
from django.views.i18n import set_language

from cases.admin import organisation_admin
from tipline.views import healthz

urlpatterns = [
    path("", include("tipline.urls")),
    path("staff/admin/", organisation_admin.urls),
    path("staff/audit/", include("audit.urls", namespace="audit")),
    path("staff/linking/", include("linking.urls", namespace="linking")),
    path("staff/trends/", include("trends.urls", namespace="trends")),
    path("staff/", include("cases.urls", namespace="staff")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
]

# A database or Redis that is briefly down answers 503 with the typed text kept; other errors the 500 page.
handler500 = "tipline.unavailable.server_error"
