"""The journey map pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from roles.models import Position

from .models import Journey
from .permissions import require_journey_reader
from .selectors import cross_cutting_situations, journey_map, journeys_list, position_duties


@login_required
def journey_list(request: HttpRequest) -> HttpResponse:
    require_journey_reader(request.user)
    return render(request, "journeys/journey_list.html", {"journeys": journeys_list()})


@login_required
def journey_map_view(request: HttpRequest, journey_id: int) -> HttpResponse:
    require_journey_reader(request.user)
    journey = get_object_or_404(Journey, pk=journey_id)
    return render(
        request,
        "journeys/journey_map.html",
        {
            "journey": journey,
            "stages": journey_map(journey),
            "cross_cutting": cross_cutting_situations(journey),
        },
    )


@login_required
def position_duties_view(request: HttpRequest, position_id: int) -> HttpResponse:
    require_journey_reader(request.user)
    position = get_object_or_404(Position, pk=position_id)
    return render(
        request,
        "journeys/position_duties.html",
        {"position": position, "duties": position_duties(position)},
    )
