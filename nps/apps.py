from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NpsConfig(AppConfig):
    name = "nps"
    verbose_name = _("NPS surveys")
