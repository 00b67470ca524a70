"""The journey map pages.

Every editing form works twice: as an ordinary page (no JavaScript needed) and, for
htmx requests, as a fragment swapped in where the item was. A successful write answers
an htmx request with the re-rendered map (or list) and anyone else with a redirect back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.edits import Direction
from core.types import AuthenticatedHttpRequest
from core.views import InlineEdit, inline_edit, is_htmx
from roles.models import Position
from roles.permissions import is_manager

from . import services
from .forms import JourneyForm, MapForm, MoveForm, SituationForm, StageForm, StepForm
from .models import Journey, Situation, Stage, Step
from .permissions import require_journey_editor, require_journey_reader
from .selectors import (
    cross_cutting_situations,
    journey_map,
    journeys_with_counts,
    position_duties,
    position_holders,
)

# Shared plumbing ----------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Focus:
    """Which item of a re-rendered map gets the keyboard focus, and on which control."""

    kind: str
    pk: int
    control: str = "title"

    @property
    def anchor(self) -> str:
        """The id of the element to scroll to after a redirect."""
        if self.kind == "journey":
            return "journey-head"
        if self.kind == "cross-cutting":
            return "cross-cutting"
        return f"{self.kind}-{self.pk}"


@dataclass(frozen=True)
class Refusal:
    """A deletion that was refused, shown next to the item it concerns."""

    kind: str
    pk: int
    message: str
    used_by: list[str]


@dataclass(frozen=True)
class FormPage:
    """How an editing form is shown: as a page, or swapped in at `cancel_select`."""

    title: str
    action: str
    submit_label: str
    back_url: str
    # The element the form replaces; "Cancel" fetches the page and puts it back.
    cancel_select: str
    wrapper: str = "div"
    journey: Journey | None = None


def _can_edit(request: AuthenticatedHttpRequest) -> bool:
    return is_manager(request.user)


def _edit(
    request: AuthenticatedHttpRequest,
    form: MapForm,
    page: FormPage,
    *,
    save: Callable[[dict[str, Any]], T],
    saved: Callable[[T], HttpResponse],
    done_url: Callable[[T], str],
    message: Callable[[T], str],
) -> HttpResponse:
    """An editing form of the map pages through the shared inline-edit answers."""
    crumbs = [(reverse("journeys:list"), _("Customer journeys"))]
    if page.journey is not None:
        crumbs.append((page.journey.get_absolute_url(), page.journey.name))
    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="journeys/form.html#form",
            title=page.title,
            context={"page": page, "crumbs": crumbs},
            save=save,
            saved=saved,
            done_url=done_url,
            done_message=message,
        ),
    )


def _map_edit(
    request: AuthenticatedHttpRequest,
    form: MapForm,
    page: FormPage,
    *,
    journey: Journey,
    save: Callable[[dict[str, Any]], T],
    focus: Callable[[T], Focus],
    message: Callable[[T], str],
) -> HttpResponse:
    """An edit whose save answers with the fresh map (htmx) or the map at the item."""
    return _edit(
        request,
        form,
        page,
        save=save,
        saved=lambda item: _map_fragment(request, journey, focus=focus(item)),
        done_url=lambda item: f"{journey.get_absolute_url()}#{focus(item).anchor}",
        message=message,
    )


def _map_context(
    request: AuthenticatedHttpRequest,
    journey: Journey,
    *,
    focus: Focus | None = None,
    refusal: Refusal | None = None,
) -> dict[str, Any]:
    return {
        "journey": journey,
        "stages": journey_map(journey),
        "cross_cutting": list(cross_cutting_situations(journey)),
        "can_edit": _can_edit(request),
        "focus": focus,
        "refusal": refusal,
    }


def _map_fragment(
    request: AuthenticatedHttpRequest,
    journey: Journey,
    *,
    focus: Focus | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "journeys/journey_map.html#map",
        _map_context(request, journey, focus=focus, refusal=refusal),
        status=status,
    )
    retarget(response, "#journey-map")
    reswap(response, "outerHTML")
    return response


def _back_to_map(
    request: AuthenticatedHttpRequest, journey: Journey, *, focus: Focus | None, message: str
) -> HttpResponse:
    """After a write: the fresh map for htmx, a redirect to the item for everybody else."""
    if is_htmx(request):
        return _map_fragment(request, journey, focus=focus)
    messages.success(request, message)
    anchor = f"#{focus.anchor}" if focus else ""
    return redirect(f"{journey.get_absolute_url()}{anchor}")


def _map_url(journey: Journey) -> str:
    return journey.get_absolute_url()


def _direction(request: AuthenticatedHttpRequest) -> Direction | None:
    form = MoveForm(request.POST)
    if not form.is_valid():
        return None
    return "up" if form.cleaned_data["direction"] == "up" else "down"


def _delete(
    request: AuthenticatedHttpRequest,
    *,
    journey: Journey,
    instance: models.Model,
    kind: str,
    remove: Callable[[], None],
    focus_after: Focus | None,
    question: str,
) -> HttpResponse:
    """GET asks for confirmation (the page without JavaScript); POST removes or explains why not."""
    refusal: Refusal | None = None
    status = 200
    if request.method == "POST":
        try:
            remove()
        except services.DeletionRefusedError as error:
            refusal = Refusal(
                kind=kind,
                pk=int(instance.pk),
                message=_("“%(name)s” cannot be removed: other records use it.")
                % {"name": str(instance)},
                used_by=error.used_by,
            )
            status = 409
            if is_htmx(request):
                return _map_fragment(request, journey, refusal=refusal, status=409)
        else:
            return _back_to_map(
                request,
                journey,
                focus=focus_after,
                message=_("“%(name)s” removed.") % {"name": str(instance)},
            )
    return render(
        request,
        "journeys/confirm_delete.html",
        {
            "journey": journey,
            "instance": instance,
            "question": question,
            "refusal": refusal,
            "action": request.path,
            "back_url": f"{_map_url(journey)}#{kind}-{instance.pk}",
        },
        status=status,
    )


# Journeys ----------------------------------------------------------------------


def _list_fragment(request: AuthenticatedHttpRequest, *, focus: int | None = None) -> HttpResponse:
    response = render(
        request,
        "journeys/journey_list.html#journeys",
        {"journeys": journeys_with_counts(), "can_edit": _can_edit(request), "focus": focus},
    )
    retarget(response, "#journeys")
    reswap(response, "outerHTML")
    return response


def _back_to_list(
    request: AuthenticatedHttpRequest, journey: Journey, message: str
) -> HttpResponse:
    if is_htmx(request):
        return _list_fragment(request, focus=journey.pk)
    messages.success(request, message)
    return redirect(f"{reverse('journeys:list')}#journey-{journey.pk}")


@require_GET
@login_required
def journey_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_journey_reader(request.user)
    return render(
        request,
        "journeys/journey_list.html",
        {"journeys": journeys_with_counts(), "can_edit": _can_edit(request), "focus": None},
    )


@require_http_methods(["GET", "POST"])
@login_required
def journey_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_journey_editor(request.user)
    form = JourneyForm(request.POST if request.method == "POST" else None)
    page = FormPage(
        title=_("New customer journey"),
        action=reverse("journeys:journey_create"),
        submit_label=_("Create journey"),
        back_url=reverse("journeys:list"),
        cancel_select="#add-journey",
    )

    def write(data: dict[str, Any]) -> Journey:
        return services.journey_create(
            actor=request.user, name=data["name"], description=data["description"]
        )

    return _edit(
        request,
        form,
        page,
        save=write,
        saved=lambda journey: _list_fragment(request, focus=journey.pk),
        done_url=lambda journey: journey.get_absolute_url(),
        message=lambda journey: _("Journey “%(name)s” created.") % {"name": journey.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def journey_update(request: AuthenticatedHttpRequest, journey_id: int) -> HttpResponse:
    require_journey_editor(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    form = JourneyForm(request.POST if request.method == "POST" else None, instance=journey)
    on_map = request.GET.get("from") == "map"
    page = FormPage(
        title=_("Rename “%(name)s”") % {"name": journey.name},
        action=request.get_full_path(),
        submit_label=_("Save"),
        back_url=_map_url(journey) if on_map else reverse("journeys:list"),
        cancel_select="#journey-head" if on_map else f"#journey-{journey.pk}",
        wrapper="div" if on_map else "li",
        journey=journey if on_map else None,
    )

    def write(data: dict[str, Any]) -> Journey:
        return services.journey_update(
            actor=request.user,
            journey=journey,
            name=data["name"],
            description=data["description"],
            expected_updated_at=form.expected_revision,
        )

    def message(journey: Journey) -> str:
        return _("Journey “%(name)s” saved.") % {"name": journey.name}

    if on_map:
        return _map_edit(
            request,
            form,
            page,
            journey=journey,
            save=write,
            focus=lambda journey: Focus("journey", journey.pk),
            message=message,
        )
    return _edit(
        request,
        form,
        page,
        save=write,
        saved=lambda journey: _list_fragment(request, focus=journey.pk),
        done_url=lambda journey: f"{reverse('journeys:list')}#journey-{journey.pk}",
        message=message,
    )


@require_POST
@login_required
def journey_set_active(request: AuthenticatedHttpRequest, journey_id: int) -> HttpResponse:
    require_journey_editor(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    choice = request.POST.get("active")
    if choice not in {"0", "1"}:
        return HttpResponseBadRequest(_("Say whether the journey should be active."))
    is_active = choice == "1"
    services.journey_set_active(actor=request.user, journey=journey, is_active=is_active)
    message = (
        _("Journey “%(name)s” reactivated.") if is_active else _("Journey “%(name)s” deactivated.")
    ) % {"name": journey.name}
    return _back_to_list(request, journey, message)


# The map -----------------------------------------------------------------------


@require_GET
@login_required
def journey_map_view(request: AuthenticatedHttpRequest, journey_id: int) -> HttpResponse:
    require_journey_reader(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    return render(request, "journeys/journey_map.html", _map_context(request, journey))


# Stages ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def stage_create(request: AuthenticatedHttpRequest, journey_id: int) -> HttpResponse:
    require_journey_editor(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    form = StageForm(request.POST if request.method == "POST" else None)
    page = FormPage(
        title=_("New stage"),
        action=reverse("journeys:stage_create", args=[journey.pk]),
        submit_label=_("Add stage"),
        back_url=_map_url(journey),
        cancel_select="#add-stage",
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Stage:
        return services.stage_create(actor=request.user, journey=journey, name=data["name"])

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda stage: Focus("stage", int(stage.pk)),
        message=lambda stage: _("Stage “%(name)s” added.") % {"name": str(stage)},
    )


def _stage_for_edit(request: AuthenticatedHttpRequest, stage_id: int) -> Stage:
    require_journey_editor(request.user)
    return get_object_or_404(Stage.objects.select_related("journey"), pk=stage_id)


@require_http_methods(["GET", "POST"])
@login_required
def stage_update(request: AuthenticatedHttpRequest, stage_id: int) -> HttpResponse:
    stage = _stage_for_edit(request, stage_id)
    journey = stage.journey
    form = StageForm(request.POST if request.method == "POST" else None, instance=stage)
    page = FormPage(
        title=_("Rename stage “%(name)s”") % {"name": stage.name},
        action=reverse("journeys:stage_update", args=[stage.pk]),
        submit_label=_("Save"),
        back_url=f"{_map_url(journey)}#stage-{stage.pk}",
        cancel_select=f"#stage-{stage.pk}-head",
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Stage:
        return services.stage_update(
            actor=request.user,
            stage=stage,
            name=data["name"],
            expected_updated_at=form.expected_revision,
        )

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda saved: Focus("stage", stage.pk),
        message=lambda saved: _("Stage “%(name)s” saved.") % {"name": stage.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def stage_delete(request: AuthenticatedHttpRequest, stage_id: int) -> HttpResponse:
    stage = _stage_for_edit(request, stage_id)
    return _delete(
        request,
        journey=stage.journey,
        instance=stage,
        kind="stage",
        remove=lambda: services.stage_delete(actor=request.user, stage=stage),
        focus_after=Focus("journey", stage.journey_id),
        question=_("Remove the stage “%(name)s” from the journey?") % {"name": stage.name},
    )


@require_POST
@login_required
def stage_move(request: AuthenticatedHttpRequest, stage_id: int) -> HttpResponse:
    stage = _stage_for_edit(request, stage_id)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest(_("Choose whether to move up or down."))
    services.stage_move(actor=request.user, stage=stage, direction=direction)
    return _back_to_map(
        request,
        stage.journey,
        focus=Focus("stage", stage.pk, direction),
        message=_("Stage “%(name)s” moved.") % {"name": stage.name},
    )


# Steps -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def step_create(request: AuthenticatedHttpRequest, stage_id: int) -> HttpResponse:
    stage = _stage_for_edit(request, stage_id)
    journey = stage.journey
    form = StepForm(request.POST if request.method == "POST" else None, journey=journey)
    page = FormPage(
        title=_("New step in “%(stage)s”") % {"stage": stage.name},
        action=reverse("journeys:step_create", args=[stage.pk]),
        submit_label=_("Add step"),
        back_url=f"{_map_url(journey)}#stage-{stage.pk}",
        cancel_select=f"#stage-{stage.pk}-add-step",
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Step:
        return services.step_create(
            actor=request.user,
            stage=stage,
            name=data["name"],
            channel=data["channel"],
            responsible_position=data["responsible_position"],
            owner=data["owner"],
            description=data["description"],
        )

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda step: Focus("step", int(step.pk)),
        message=lambda step: _("Step “%(name)s” added.") % {"name": str(step)},
    )


def _step_for_edit(request: AuthenticatedHttpRequest, step_id: int) -> Step:
    require_journey_editor(request.user)
    return get_object_or_404(
        Step.objects.select_related("stage__journey", "responsible_position", "owner"), pk=step_id
    )


@require_http_methods(["GET", "POST"])
@login_required
def step_update(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    step = _step_for_edit(request, step_id)
    journey = step.stage.journey
    form = StepForm(
        request.POST if request.method == "POST" else None, journey=journey, instance=step
    )
    page = FormPage(
        title=_("Edit step “%(name)s”") % {"name": step.name},
        action=reverse("journeys:step_update", args=[step.pk]),
        submit_label=_("Save"),
        back_url=f"{_map_url(journey)}#step-{step.pk}",
        cancel_select=f"#step-{step.pk}",
        wrapper="li",
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Step:
        return services.step_update(
            actor=request.user,
            step=step,
            stage=data["stage"],
            name=data["name"],
            channel=data["channel"],
            responsible_position=data["responsible_position"],
            owner=data["owner"],
            description=data["description"],
            expected_updated_at=form.expected_revision,
        )

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda saved: Focus("step", step.pk),
        message=lambda saved: _("Step “%(name)s” saved.") % {"name": step.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def step_delete(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    step = _step_for_edit(request, step_id)
    return _delete(
        request,
        journey=step.stage.journey,
        instance=step,
        kind="step",
        remove=lambda: services.step_delete(actor=request.user, step=step),
        focus_after=Focus("stage", step.stage_id),
        question=_("Remove the step “%(name)s” from the stage “%(stage)s”?")
        % {"name": step.name, "stage": step.stage.name},
    )


@require_POST
@login_required
def step_move(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    step = _step_for_edit(request, step_id)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest(_("Choose whether to move up or down."))
    services.step_move(actor=request.user, step=step, direction=direction)
    return _back_to_map(
        request,
        step.stage.journey,
        focus=Focus("step", step.pk, direction),
        message=_("Step “%(name)s” moved.") % {"name": step.name},
    )


# Situations --------------------------------------------------------------------


def _situation_create(
    request: AuthenticatedHttpRequest, *, journey: Journey, step: Step | None, cancel_select: str
) -> HttpResponse:
    form = SituationForm(
        request.POST if request.method == "POST" else None,
        journey=journey,
        default_position=step.responsible_position if step else None,
    )
    page = FormPage(
        title=(
            _("New situation at “%(step)s”") % {"step": step.name}
            if step
            else _("New situation across the journey")
        ),
        action=request.path,
        submit_label=_("Add situation"),
        back_url=f"{_map_url(journey)}#{f'step-{step.pk}' if step else 'cross-cutting'}",
        cancel_select=cancel_select,
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Situation:
        return services.situation_create(
            actor=request.user,
            journey=journey,
            step=step,
            name=data["name"],
            kind=data["kind"],
            responsible_position=data["responsible_position"],
            description=data["description"],
        )

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda situation: Focus("situation", int(situation.pk)),
        message=lambda situation: _("Situation “%(name)s” added.") % {"name": str(situation)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def situation_create_at_step(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    step = _step_for_edit(request, step_id)
    return _situation_create(
        request,
        journey=step.stage.journey,
        step=step,
        cancel_select=f"#step-{step.pk}-add-situation",
    )


@require_http_methods(["GET", "POST"])
@login_required
def situation_create_cross_cutting(
    request: AuthenticatedHttpRequest, journey_id: int
) -> HttpResponse:
    require_journey_editor(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    return _situation_create(request, journey=journey, step=None, cancel_select="#add-situation")


def _situation_for_edit(request: AuthenticatedHttpRequest, situation_id: int) -> Situation:
    require_journey_editor(request.user)
    return get_object_or_404(
        Situation.objects.select_related("journey", "step", "responsible_position"),
        pk=situation_id,
    )


@require_http_methods(["GET", "POST"])
@login_required
def situation_update(request: AuthenticatedHttpRequest, situation_id: int) -> HttpResponse:
    situation = _situation_for_edit(request, situation_id)
    journey = situation.journey
    form = SituationForm(
        request.POST if request.method == "POST" else None, journey=journey, instance=situation
    )
    page = FormPage(
        title=_("Edit situation “%(name)s”") % {"name": situation.name},
        action=reverse("journeys:situation_update", args=[situation.pk]),
        submit_label=_("Save"),
        back_url=f"{_map_url(journey)}#situation-{situation.pk}",
        cancel_select=f"#situation-{situation.pk}",
        wrapper="li",
        journey=journey,
    )

    def write(data: dict[str, Any]) -> Situation:
        return services.situation_update(
            actor=request.user,
            situation=situation,
            step=data["step"],
            name=data["name"],
            kind=data["kind"],
            responsible_position=data["responsible_position"],
            description=data["description"],
            expected_updated_at=form.expected_revision,
        )

    return _map_edit(
        request,
        form,
        page,
        journey=journey,
        save=write,
        focus=lambda saved: Focus("situation", situation.pk),
        message=lambda saved: _("Situation “%(name)s” saved.") % {"name": situation.name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def situation_delete(request: AuthenticatedHttpRequest, situation_id: int) -> HttpResponse:
    situation = _situation_for_edit(request, situation_id)
    return _delete(
        request,
        journey=situation.journey,
        instance=situation,
        kind="situation",
        remove=lambda: services.situation_delete(actor=request.user, situation=situation),
        focus_after=(
            Focus("step", situation.step_id)
            if situation.step_id
            else Focus("cross-cutting", situation.journey_id)
        ),
        question=_("Remove the situation “%(name)s”?") % {"name": situation.name},
    )


@require_POST
@login_required
def situation_move(request: AuthenticatedHttpRequest, situation_id: int) -> HttpResponse:
    situation = _situation_for_edit(request, situation_id)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest(_("Choose whether to move up or down."))
    services.situation_move(actor=request.user, situation=situation, direction=direction)
    return _back_to_map(
        request,
        situation.journey,
        focus=Focus("situation", situation.pk, direction),
        message=_("Situation “%(name)s” moved.") % {"name": situation.name},
    )


# Duties ------------------------------------------------------------------------


@require_GET
@login_required
def position_duties_view(request: AuthenticatedHttpRequest, position_id: int) -> HttpResponse:
    require_journey_reader(request.user)
    position = get_object_or_404(Position, pk=position_id)
    return render(
        request,
        "journeys/position_duties.html",
        {
            "position": position,
            "duties": position_duties(position),
            "holders": list(position_holders(user=request.user, position=position)),
            "shows_holders": is_manager(request.user),
        },
    )
