"""The reference scenario: a small dealership's March, worked out by hand.

Every figure below is computed on paper in the comments and compared exactly with
what the rollup stored. Audits go through the real audit services (assign, submit,
finalize, dispute), responses are saved one by one as the survey page saves them, and
the recompute runs as the tasks run it (eagerly, after each commit).

The company (tests/conftest.py): Dealership > Sales > Used cars; Dealership > Service.
People: Anna = staff_member (salesperson, Sales), Rita (receptionist, Sales), Boris
(salesperson, Used cars), Victor (receptionist, Service).
Weights (tests/scorecards/conftest.py):
  phone:    rings 3 (critical), greeting 2, come_over 1
  needs:    formal 3 (critical), budget 2, honest 1
  discount: answer_time 3, interim 2
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from nps.models import ProblemTag
from scorecards import selectors, services
from scorecards.models import DepartmentMonth, DepartmentTagMonth, EmployeeMonth
from scorecards.services import BandInput

from .conftest import dispute, moscow, record_audit, respond

MARCH = datetime.date(2026, 3, 1)
FEBRUARY = datetime.date(2026, 2, 1)


@pytest.fixture
def march(
    scenario, manager, auditor, company, staff_member, rita, boris, victor, survey,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    anna = staff_member
    with time_machine.travel(moscow(2026, 4, 2, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            # February, Sales, visited Feb 10:
            #   phone (Rita):     rings yes 3, greeting NO 2, come_over yes 1 -> 4 / 6
            #   needs (Anna):     formal 3, budget 2, honest 1, all yes       -> 6 / 6
            #   discount (Anna):  answer_time 3, interim 2, all yes           -> 5 / 5
            record_audit(
                scenario, manager=manager, auditor=auditor, department=company.sales,
                visited_at=moscow(2026, 2, 10),
                observed={"phone": rita, "needs": anna, "discount": anna},
                answers={"rings": "yes", "greeting": "no", "come_over": "yes", "formal": "yes",
                         "budget": "yes", "honest": "yes", "answer_time": "yes", "interim": "yes"},
            )  # fmt: skip
            # A1, Sales, visited Mar 5:
            #   phone (Rita):     rings yes 3, greeting yes 2, come_over NO 1  -> 5 / 6
            #   needs (Anna):     formal yes 3, budget NO 2, honest n.a.       -> 3 / 5
            #   discount (Anna):  answer_time NO 3, interim yes 2              -> 2 / 5
            record_audit(
                scenario, manager=manager, auditor=auditor, department=company.sales,
                visited_at=moscow(2026, 3, 5),
                observed={"phone": rita, "needs": anna, "discount": anna},
                answers={"rings": "yes", "greeting": "yes", "come_over": "no", "formal": "yes",
                         "budget": "no", "honest": "na", "answer_time": "no", "interim": "yes"},
            )  # fmt: skip
            # A2, Used cars, visited Mar 12:
            #   phone (could not identify): rings NO (critical!), greeting yes, come_over yes
            #                                -> earned 0 / applicable 6, counts for Used cars
            #   needs (Boris):    formal NO (critical!), budget yes 2, honest yes 1 -> 0 / 6
            #   discount (Boris): answer_time n.a., interim n.a.                 -> 0 / 0
            a2 = record_audit(
                scenario, manager=manager, auditor=auditor, department=company.used_cars,
                visited_at=moscow(2026, 3, 12),
                observed={"phone": None, "needs": boris, "discount": boris},
                answers={"rings": "no", "greeting": "yes", "come_over": "yes", "formal": "no",
                         "budget": "yes", "honest": "yes", "answer_time": "na", "interim": "na"},
            )  # fmt: skip
            # A3, Sales, visited Mar 20 (Boris from Used cars helps out in Sales):
            #   phone (Rita):     all yes                                       -> 6 / 6
            #   needs (Anna):     formal yes 3, budget yes 2, honest NO 1        -> 5 / 6
            #   discount (Boris): answer_time yes 3, interim NO 2               -> 3 / 5
            a3 = record_audit(
                scenario, manager=manager, auditor=auditor, department=company.sales,
                visited_at=moscow(2026, 3, 20),
                observed={"phone": rita, "needs": anna, "discount": boris},
                answers={"rings": "yes", "greeting": "yes", "come_over": "yes", "formal": "yes",
                         "budget": "yes", "honest": "no", "answer_time": "yes", "interim": "no"},
            )  # fmt: skip
            # A4, Service, visited Mar 25: submitted, never finalized -> counts nowhere.
            record_audit(
                scenario, manager=manager, auditor=auditor, department=company.service,
                visited_at=moscow(2026, 3, 25), finalize=False,
                observed={"phone": victor, "needs": None, "discount": None},
                answers={"rings": "no", "greeting": "no", "come_over": "no", "formal": "no",
                         "budget": "no", "honest": "no", "answer_time": "no", "interim": "no"},
            )  # fmt: skip
            # Boris disputes "formal: no" of A2; the manager accepts it as "yes". The step
            # is no longer failed by a critical requirement: needs (Boris) -> 6 / 6.
            dispute(a2, scenario, "formal", employee=boris, manager=manager)
            # Anna disputes "honest: no" of A3; still open, so it still counts as "no".
            dispute(a3, scenario, "honest", employee=anna, manager=None)

            waiting = ProblemTag.objects.create(name="Kept waiting")
            informal = ProblemTag.objects.create(name="Informal «ты»")
            # March responses (recorded department, employee):
            for score, tags in ((10, []), (9, []), (7, []), (3, [waiting])):
                respond(survey, score=score, at=moscow(2026, 3, 6), department=company.sales,
                        employee=anna, step=scenario.needs_step, tags=tags)  # fmt: skip
            respond(survey, score=6, at=moscow(2026, 3, 13), department=company.used_cars,
                    employee=boris, step=scenario.needs_step, tags=[waiting, informal])  # fmt: skip
            respond(survey, score=10, at=moscow(2026, 3, 14), department=company.used_cars,
                    employee=boris, step=scenario.phone_step)  # fmt: skip
            respond(survey, score=8, at=moscow(2026, 3, 15), department=company.sales)
            for score in (0, 0, 7, 7, 7, 7, 8):
                respond(survey, score=score, at=moscow(2026, 3, 16), department=company.service)
            # Answered at 23:30 Moscow time on March 31 (20:30 UTC): counts in March.
            # Answered at 00:30 on April 1 (21:30 UTC on March 31): counts in April.
            respond(survey, score=10, at=moscow(2026, 3, 31, 23, 30), department=company.service,
                    employee=victor)  # fmt: skip
            respond(survey, score=0, at=moscow(2026, 4, 1, 0, 30), department=company.service,
                    employee=victor)  # fmt: skip

        # Incentive rules. For everyone from January: >= 95 -> 1.15, 85-95 -> 1.00,
        # 70-85 -> 0.95, below 70 -> 0.90. For salespeople from March: >= 90 -> 1.20,
        # 75-90 -> 1.05, below 75 -> 0.80. From May (not yet in force): a new general set.
        services.band_set_create(
            actor=manager.user, effective_from=datetime.date(2026, 1, 1), position=None,
            allow_past=True,
            bands=[BandInput(Decimal(95), Decimal("1.15")), BandInput(Decimal(85), Decimal("1.00")),
                   BandInput(Decimal(70), Decimal("0.95")), BandInput(Decimal(0), Decimal("0.90"))],
        )  # fmt: skip
        services.band_set_create(
            actor=manager.user, effective_from=MARCH, position=scenario.salesperson,
            allow_past=True,
            bands=[BandInput(Decimal(90), Decimal("1.20")), BandInput(Decimal(75), Decimal("1.05")),
                   BandInput(Decimal(0), Decimal("0.80"))],
        )  # fmt: skip
        services.band_set_create(
            actor=manager.user, effective_from=datetime.date(2026, 5, 1), position=None,
            bands=[BandInput(Decimal(0), Decimal("2.00"))],
        )  # fmt: skip
    return {"anna": anna, "rita": rita, "boris": boris, "victor": victor}


def employee(person, month=MARCH) -> EmployeeMonth:
    return EmployeeMonth.objects.get(employee=person, month=month)


def department(dept, month=MARCH) -> DepartmentMonth:
    return DepartmentMonth.objects.get(department=dept, month=month, subtree=True)


def test_employee_compliance_matches_the_hand_computation(march):
    # Rita: A1 phone 5/6 + A3 phone 6/6 = 11/12 = 91.666...% -> 91.67 (half up, 2 places).
    # Answers yes/no: 3 + 3 = 6, one "no" (come_over in A1). Two audits.
    rita = employee(march["rita"])
    assert (rita.earned, rita.applicable, rita.percent) == (11, 12, Decimal("91.67"))
    assert (rita.answers, rita.failed_answers, rita.audits, rita.steps) == (6, 1, 2, 2)
    # Anna: A1 needs 3/5 + A1 discount 2/5 + A3 needs 5/6 (the open dispute changes
    # nothing) = 10/16 = 62.5%. Answers: 2 (honest was n.a.) + 2 + 3 = 7; "no": budget,
    # answer_time, honest = 3.
    anna = employee(march["anna"])
    assert (anna.earned, anna.applicable, anna.percent) == (10, 16, Decimal("62.50"))
    assert (anna.answers, anna.failed_answers, anna.audits, anna.steps) == (7, 3, 2, 3)
    # Boris: A2 needs 6/6 after the accepted dispute (0/6 before: critical) + A2
    # discount 0/0 + A3 discount 3/5 = 9/11 = 81.8181...% -> 81.82. Answers 3 + 0 + 2 = 5,
    # one "no" (interim). No step failed by a critical requirement any more.
    boris = employee(march["boris"])
    assert (boris.earned, boris.applicable, boris.percent) == (9, 11, Decimal("81.82"))
    assert (boris.answers, boris.failed_answers, boris.audits, boris.steps) == (5, 1, 2, 3)
    assert boris.critical_failures == 0
    # Victor: observed only in the audit that was never finalized -> no compliance figure.
    victor = EmployeeMonth.objects.get(employee=march["victor"], month=MARCH)
    assert (victor.applicable, victor.audits, victor.percent) == (0, 0, None)
    # February: Rita 4/6 = 66.666...% -> 66.67; Anna 11/11 = 100%.
    assert employee(march["rita"], FEBRUARY).percent == Decimal("66.67")
    assert employee(march["anna"], FEBRUARY).percent == Decimal("100.00")


def test_department_compliance_covers_the_subtree_and_unidentified_steps(march, company):
    # Used cars: Boris 9/11 + the unidentified phone step of A2 (an audit of Used cars,
    # critical fail) 0/6 = 9/17 = 52.941...% -> 52.94. Audits: A2, A3 (Boris observed).
    # Answers: Boris 5 + A2 phone 3 = 8; "no": interim (A3), rings (A2) = 2.
    used = department(company.used_cars)
    assert (used.earned, used.applicable, used.percent) == (9, 17, Decimal("52.94"))
    assert (used.answers, used.failed_answers, used.audits, used.critical_failures) == (8, 2, 2, 1)
    # Sales (with Used cars below it): Rita 11/12 + Anna 10/16 + Used cars 9/17 = 30/45
    # = 66.666...% -> 66.67. Audits A1, A2, A3. Answers 6 + 7 + 8 = 21, "no" 1 + 3 + 2 = 6.
    sales = department(company.sales)
    assert (sales.earned, sales.applicable, sales.percent) == (30, 45, Decimal("66.67"))
    assert (sales.answers, sales.failed_answers, sales.audits) == (21, 6, 3)
    # Dealership: Sales + Service (nothing final) = 30/45 as well.
    root = department(company.root)
    assert (root.earned, root.applicable, root.percent) == (30, 45, Decimal("66.67"))
    # Service: only NPS, no final audit -> no compliance figure, not 0.
    service = department(company.service)
    assert (service.applicable, service.percent) == (0, None)
    # February, Sales: Rita 4/6 + Anna 11/11 = 15/17 = 88.235...% -> 88.24.
    assert department(company.sales, FEBRUARY).percent == Decimal("88.24")


def test_failures_per_requirement_are_counted(march, company, scenario):
    failed = {
        row.requirement_id: row.failed
        for row in selectors.requirements_failed(department=company.sales, month=MARCH)
    }
    requirements = scenario.requirements
    # The answers "no" in Sales' subtree in March: come_over (A1), budget (A1),
    # answer_time (A1), rings (A2, unidentified, in an audit of Used cars), honest (A3),
    # interim (A3, Boris). A2's "formal: no" was corrected by the accepted dispute.
    assert failed == {
        requirements["rings"].pk: 1,
        requirements["come_over"].pk: 1,
        requirements["budget"].pk: 1,
        requirements["honest"].pk: 1,
        requirements["answer_time"].pk: 1,
        requirements["interim"].pk: 1,
    }
    # Anna's own: budget, answer_time and honest.
    anna = {
        row.requirement_id: row.failed
        for row in selectors.requirements_failed(employee=march["anna"], month=MARCH)
    }
    assert anna == {
        requirements["budget"].pk: 1,
        requirements["answer_time"].pk: 1,
        requirements["honest"].pk: 1,
    }


def test_nps_per_employee_department_and_step(march, company, scenario):
    # Anna: 10, 9, 7, 3 -> 2 promoters, 1 passive, 1 detractor: (2 - 1) / 4 = 25.
    anna = employee(march["anna"]).nps
    assert (anna.promoters, anna.passives, anna.detractors, anna.nps) == (2, 1, 1, 25)
    # Boris: 6, 10 -> (1 - 1) / 2 = 0.
    assert employee(march["boris"]).nps.nps == 0
    # Service: 0, 0, 7, 7, 7, 7, 8 and Victor's 10 of March 31, 23:30 -> 1 promoter,
    # 5 passives, 2 detractors, n = 8: 100 * (1 - 2) / 8 = -12.5 -> -13 (rounded half
    # away from zero, not to even).
    service = department(company.service).nps
    assert (service.promoters, service.detractors, service.responses, service.nps) == (1, 2, 8, -13)
    # Sales with Used cars: Anna's 4 + Boris's 2 + the 8 -> 3 promoters, 2 passives,
    # 2 detractors, n = 7: 100 * (3 - 2) / 7 = 14.28... -> 14.
    sales = department(company.sales).nps
    assert (sales.promoters, sales.passives, sales.detractors, sales.nps) == (3, 2, 2, 14)
    # Dealership: 7 + 8 = 15 -> 4 promoters, 7 passives, 4 detractors: 0.
    root = department(company.root).nps
    assert (root.responses, root.nps) == (15, 0)
    # Victor's 0 of April 1, 00:30 Moscow time (still March 31 in UTC) counts in April.
    april = EmployeeMonth.objects.get(employee=march["victor"], month=datetime.date(2026, 4, 1))
    assert (april.detractors, april.nps.nps) == (1, -100)
    # Per step, Sales subtree: needs = Anna's 4 and Boris's 6 -> 2 P, 1 Pa, 2 D, n = 5:
    # 100 * 0 / 5 = 0; phone = Boris's 10 -> 100.
    steps = {
        row.step_id: row.nps
        for row in selectors.department_steps(department=company.sales, month=MARCH)
    }
    assert (steps[scenario.needs_step.pk].responses, steps[scenario.needs_step.pk].nps) == (5, 0)
    assert steps[scenario.phone_step.pk].nps == 100
    # Detractors' problems in Sales: "Kept waiting" twice (Anna's 3, Boris's 6),
    # "Informal" once.
    tags = dict(
        DepartmentTagMonth.objects.filter(
            department=company.sales, month=MARCH, subtree=True
        ).values_list("tag__name", "detractors")
    )
    assert tags == {"Kept waiting": 2, "Informal «ты»": 1}


def test_coefficients_follow_the_rules_in_force_that_month(march, scenario):
    rules = selectors.incentive_rules()
    # Rita (receptionist): 91.67% under the general rules from January: 85-95 -> 1.00.
    rita = rules.incentive(
        employee(march["rita"]), position_id=scenario.receptionist.pk, month=MARCH
    )
    assert rita.band is not None
    assert (rita.coefficient, rita.band.min_percent, rita.upper) == (
        Decimal("1.000"),
        Decimal("85.00"),
        Decimal("95.00"),
    )
    # Anna (salesperson): 62.50% under the salespeople's rules from March: below 75 -> 0.80.
    anna = rules.incentive(
        employee(march["anna"]), position_id=scenario.salesperson.pk, month=MARCH
    )
    assert anna.coefficient == Decimal("0.800")
    assert anna.band_set is not None
    assert anna.band_set.position_id == scenario.salesperson.pk
    # Boris (salesperson): 81.82% -> 75-90 -> 1.05.
    boris = rules.incentive(
        employee(march["boris"]), position_id=scenario.salesperson.pk, month=MARCH
    )
    assert boris.coefficient == Decimal("1.050")
    # February keeps February's rules: the salespeople's set starts in March, so Anna's
    # 100% falls under the general ">= 95 -> 1.15" and Rita's 66.67% under "< 70 -> 0.90".
    anna_february = rules.incentive(
        employee(march["anna"], FEBRUARY), position_id=scenario.salesperson.pk, month=FEBRUARY
    )
    assert anna_february.band_set is not None
    assert (anna_february.coefficient, anna_february.band_set.position_id) == (
        Decimal("1.150"),
        None,
    )
    rita_february = rules.incentive(
        employee(march["rita"], FEBRUARY), position_id=scenario.receptionist.pk, month=FEBRUARY
    )
    assert rita_february.coefficient == Decimal("0.900")
    # Victor had no final audit in March: no band, and the reason says so.
    victor = rules.incentive(
        EmployeeMonth.objects.get(employee=march["victor"], month=MARCH),
        position_id=scenario.receptionist.pk,
        month=MARCH,
    )
    assert (victor.status, victor.coefficient) == ("no_audits", None)
    # Without any stored figures at all (nobody observed, no responses): also no band.
    assert (
        rules.incentive(None, position_id=scenario.receptionist.pk, month=MARCH).status
        == "no_audits"
    )


def test_a_full_recompute_gives_the_same_figures(march, company):
    before = sorted(
        EmployeeMonth.objects.values_list(
            "employee_id",
            "month",
            "earned",
            "applicable",
            "answers",
            "audits",
            "promoters",
            "detractors",
        )
    )
    departments_before = sorted(
        DepartmentMonth.objects.values_list(
            "department_id", "month", "subtree", "earned", "applicable", "audits", "detractors"
        )
    )
    EmployeeMonth.objects.update(earned=999)  # damage, which the recompute must repair
    DepartmentMonth.objects.filter(department=company.root).delete()
    services.months_recompute(months=[FEBRUARY, MARCH, datetime.date(2026, 4, 1)])
    after = sorted(
        EmployeeMonth.objects.values_list(
            "employee_id",
            "month",
            "earned",
            "applicable",
            "answers",
            "audits",
            "promoters",
            "detractors",
        )
    )
    assert after == before
    assert (
        sorted(
            DepartmentMonth.objects.values_list(
                "department_id", "month", "subtree", "earned", "applicable", "audits", "detractors"
            )
        )
        == departments_before
    )
