"""The hook the NPS figures of the scorecards listen to.

`responses_changed` is sent whenever responses are written in a way Django's
post_save does not announce one by one: a bulk import (`bulk_create`), or problem
tags added or removed on a response (tags count in the dashboards' top client
problems). A single response saved with `save()` needs no call: the scorecards
listen to post_save of Response as well.

Send it inside the writing transaction, after the rows are written: a receiver marks
the affected figures stale in the same transaction and enqueues their recompute with
`transaction.on_commit` (a receiver that raises rolls the change back).

Arguments (keyword): `months` (list[datetime.date]: the first day of each month, in
the company's time zone, in which a changed response was submitted), `employee_ids`
(list[int]), `department_ids` (list[int]: the departments recorded on the responses;
their ancestors are implied), `step_ids` (list[int]). Lists may be empty; passing a
superset is harmless (it only costs a recompute).
"""

from __future__ import annotations

from django.dispatch import Signal

responses_changed = Signal()
