from __future__ import annotations

from django.contrib import admin

from .models import Journey, Situation, Stage, Step


class StageInline(admin.TabularInline):
    model = Stage
    fields = ("name", "order")
    extra = 0
    show_change_link = True


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    inlines = [StageInline]


class StepInline(admin.TabularInline):
    model = Step
    fields = ("name", "channel", "responsible_position", "owner", "order")
    raw_id_fields = ("owner",)
    extra = 0
    show_change_link = True


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "journey", "order")
    list_filter = ("journey",)
    list_select_related = ("journey",)
    search_fields = ("name",)
    ordering = ("journey__name", "order", "id")
    inlines = [StepInline]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "channel", "responsible_position", "owner", "order")
    list_filter = ("stage__journey", "channel", "responsible_position")
    list_select_related = ("stage__journey", "responsible_position", "owner")
    search_fields = ("name", "description")
    autocomplete_fields = ("stage",)
    raw_id_fields = ("owner",)
    ordering = ("stage__journey__name", "stage__order", "order", "id")


@admin.register(Situation)
class SituationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "journey", "step", "responsible_position", "order")
    list_filter = ("journey", "kind", "responsible_position")
    list_select_related = ("journey", "step", "responsible_position")
    search_fields = ("name", "description")
    autocomplete_fields = ("step",)
    ordering = ("journey__name", "step__stage__order", "step__order", "order", "id")
