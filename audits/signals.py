"""The hook the compliance rollup listens to.

`audit_figures_changed` is sent whenever the stored figures of a final audit start
to count or change:
- reason "finalized": a manager finalized a submitted audit (only final audits count);
- reason "dispute_accepted": an accepted dispute corrected an answer and the stored
  step figures were recomputed.

It is sent inside the writing transaction, after the figures are stored, so a
receiver can mark its buckets stale in the same transaction and enqueue the
recompute with `transaction.on_commit` (a receiver that raises rolls the change back).

Arguments (keyword): `audit` (the Audit, status final), `reason` (str), `month`
(datetime.date, the first day of the visit's month), `employee_ids` (list[int]: the
employees observed at any step), `department_id` (int: the audited department),
`department_ids` (list[int]: the departments the audit's steps count for, fixed at
submission: AuditStep.department).
"""

from __future__ import annotations

from django.dispatch import Signal

audit_figures_changed = Signal()

REASON_FINALIZED = "finalized"
REASON_DISPUTE_ACCEPTED = "dispute_accepted"
