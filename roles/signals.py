"""Hooks other apps listen to when the organisation changes shape.

`department_moved` is sent inside the writing transaction when a department gets a
new parent, after the paths of it and every department below it are rewritten. The
figures of a department's subtree follow the tree of today, so a receiver marks the
subtree figures of the old and the new ancestors stale there (scorecards).

Arguments (keyword): `department_id` (int: the department moved, with everything
below it), `old_parent_id` and `new_parent_id` (int, or None at the top of the tree).

Moving an employee sends nothing: the audit steps and NPS responses already recorded
keep the department they were given, so no figure changes.
"""

from __future__ import annotations

from django.dispatch import Signal

department_moved = Signal()
