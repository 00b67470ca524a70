from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """Who changed what and when: one row per change a person makes to shared data.

    Called "activity" so it is never confused with mystery-shopper audits.

    A line of history is stored as the event: its message in the source language
    (`message`, an msgid) and its parameters (`params`), and rendered when it is read,
    in the reader's language (`text`). Parameters that are themselves words to
    translate are stored as `{"msgid": ...}`. Rows written before messages were
    stored keep their `summary`, rendered when they were recorded.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=50)
    # The line in the source language, kept for the admin's search and old rows.
    summary = models.CharField(_("what"), max_length=500)
    message = models.CharField(max_length=500, blank=True, default="")
    params: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    data: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "roles_activity"
        verbose_name = _("activity")
        verbose_name_plural = _("activity")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="roles_activ_target__f5f67b_idx")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The line in the language of whoever reads it now."""
        if not self.message:
            return self.summary
        return render_message(self.message, self.params)

    @property
    def actor_name(self) -> str:
        """Who did it, or "system" when nobody signed in did (or the login is gone)."""
        if self.actor is None:
            return gettext("system")
        return self.actor.get_full_name() or self.actor.get_username()


def render_message(message: str, params: dict[str, Any] | None) -> str:
    """Translate a stored message and fill in its parameters.

    A parameter stored as `{"msgid": ...}` is a word to translate too. A message whose
    parameters no longer fit (a catalogue changed) falls back to its source text
    rather than breaking the page it is shown on.
    """
    values = {
        key: gettext(value["msgid"]) if isinstance(value, dict) and "msgid" in value else value
        for key, value in (params or {}).items()
    }
    translated = gettext(message)
    try:
        return translated % values if values else translated
    except (KeyError, TypeError, ValueError):
        try:
            return message % values if values else message
        except (KeyError, TypeError, ValueError):
            return message
