"""The demo audits: a story over the last months, loaded once."""

from __future__ import annotations

from audits.demo import TEMPLATE_NAME, load_demo_audits
from audits.models import Audit, AuditStatus, ChecklistTemplate, Dispute, DisputeStatus
from journeys.demo import load_demo_journey
from roles.demo import load_demo_organisation
from standards.demo import load_demo_book


def test_without_a_published_book_it_does_nothing(db):
    organisation = load_demo_organisation()
    load_demo_journey(organisation)
    assert load_demo_audits(organisation) is None
    assert not ChecklistTemplate.objects.exists()


def test_it_loads_every_state_of_an_audit_once(db):
    organisation = load_demo_organisation()
    load_demo_journey(organisation)
    load_demo_book(organisation.departments["root"])
    template = load_demo_audits(organisation)
    assert template is not None and template.name == TEMPLATE_NAME
    statuses = list(Audit.objects.values_list("status", flat=True))
    assert statuses.count(AuditStatus.FINAL) >= 3
    assert statuses.count(AuditStatus.SUBMITTED) == 1
    assert statuses.count(AuditStatus.IN_PROGRESS) == 1
    assert statuses.count(AuditStatus.ASSIGNED) == 1
    assert Audit.objects.filter(auditor__username="auditor").count() == len(statuses)
    finals = Audit.objects.filter(status=AuditStatus.FINAL).order_by("visited_at")
    scores = [audit.score for audit in finals]
    # Some standards broken at first, most kept later.
    assert scores[0] is not None and scores[-1] is not None and scores[0] < scores[-1]
    first = finals[0]
    broken = set(first.items.filter(answer="no").values_list("requirement__text", flat=True))
    assert any("третьего гудка" in text for text in broken)
    assert any("«ты»" in text or "«Вы»" in text for text in broken)
    assert any("скидк" in text for text in broken)
    dispute = Dispute.objects.get()
    assert dispute.status == DisputeStatus.OPEN
    assert dispute.employee.user is not None and dispute.employee.user.username == "staff"

    assert load_demo_audits(organisation) is None
    assert Audit.objects.count() == len(statuses)
