from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data and the synthetic-tip generator (`load_demo`, `generate_tips`); no models."""

    name = "demo"
    verbose_name = _("Demo data")
