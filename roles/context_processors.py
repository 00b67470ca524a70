from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import ProgramRole
from .permissions import user_roles


def program_roles(request: HttpRequest) -> dict[str, Any]:
    """Which parts of the navigation this user may see."""
    roles = user_roles(getattr(request, "user", None))
    return {
        "program_roles": roles,
        "is_manager": ProgramRole.MANAGER in roles,
        "is_auditor": ProgramRole.AUDITOR in roles,
        "is_staff_member": ProgramRole.STAFF in roles,
    }
