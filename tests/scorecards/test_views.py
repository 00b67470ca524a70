"""The scorecard pages: who sees what, what they show, and that they only read stored
figures (a fixed number of queries, whatever the data)."""

from __future__ import annotations

from django.urls import reverse

from scorecards.models import RecomputeRun

from .conftest import add_sales_audits

MARCH = {"month": "2026-03"}


def main_of(response) -> str:
    text = response.content.decode()
    return text[text.index("<main") : text.index("</main>")]


def test_staff_see_their_own_scorecard(sales_march, staff_client, scenario):
    response = staff_client.get(reverse("scorecards:my_scorecard"), MARCH)
    assert response.status_code == 200
    text = response.content.decode()
    # Anna: needs 4/6 (budget failed) + discount 5/5 = 9/11 = 81.82 %.
    assert "81.82 %" in text
    assert "0.95" in text  # 70-85 -> 0.95 under the general rules
    assert "81.82 % falls in the band from 70 % to below 85 % → 0.95" in text
    # The failed requirement, quoted, with a link to it in the book version checked.
    budget = scenario.requirements["budget"]
    assert budget.text in text
    assert (
        f"{reverse('standards:version', args=[budget.version_id])}#r-{budget.lineage_key}" in text
    )
    assert reverse("audits:report", args=[sales_march.pk]) in text
    # NPS with its n: 10 and 4 -> 1 promoter, 1 detractor -> 0 out of 2 responses.
    assert "2 responses" in text
    assert "<svg" in text and 'role="img"' in text


def test_a_month_without_audits_says_so_and_applies_no_band(sales_march, staff_client):
    response = staff_client.get(reverse("scorecards:my_scorecard"), {"month": "2026-01"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "No audits this month." in text
    assert "No audits this month: no band applies." in text
    assert "0.00 %" not in text


def test_a_bad_month_is_refused_with_the_reason(sales_march, staff_client):
    response = staff_client.get(reverse("scorecards:my_scorecard"), {"month": "March"})
    assert response.status_code == 422
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_staff_cannot_see_another_employees_scorecard(sales_march, staff_client, rita):
    response = staff_client.get(reverse("scorecards:employee", args=[rita.pk]))
    assert response.status_code == 404


def test_staff_open_their_own_scorecard_by_id(sales_march, staff_client, staff_member):
    response = staff_client.get(reverse("scorecards:employee", args=[staff_member.pk]), MARCH)
    assert response.status_code == 200
    assert "My scorecard" in response.content.decode()


def test_a_manager_sees_the_scorecard_of_someone_in_their_subtree(
    sales_march, sales_manager_client, rita
):
    response = sales_manager_client.get(reverse("scorecards:employee", args=[rita.pk]), MARCH)
    assert response.status_code == 200
    assert "100.00 %" in response.content.decode()


def test_the_manager_of_sales_cannot_see_a_scorecard_in_service(
    sales_march, sales_manager_client, victor
):
    response = sales_manager_client.get(reverse("scorecards:employee", args=[victor.pk]))
    assert response.status_code == 404


def test_a_login_without_an_employee_record_has_no_scorecard(
    sales_march, auditor_client, outsider_client, rita
):
    assert auditor_client.get(reverse("scorecards:my_scorecard")).status_code == 403
    assert outsider_client.get(reverse("scorecards:employee", args=[rita.pk])).status_code == 403


def test_scorecards_need_a_login_and_a_get(sales_march, client, staff_client, staff_member):
    for url in (
        reverse("scorecards:my_scorecard"),
        reverse("scorecards:employee", args=[staff_member.pk]),
        reverse("scorecards:dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
        assert staff_client.post(url).status_code == 405


def test_the_scorecard_reads_a_fixed_number_of_queries(
    sales_march, scenario, manager, auditor, company, staff_member, rita, staff_client,
    django_assert_max_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    url = reverse("scorecards:my_scorecard")
    with django_assert_max_num_queries(16) as few:
        staff_client.get(url, MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        add_sales_audits(
            scenario, manager=manager, auditor=auditor, company=company, anna=staff_member,
            rita=rita, count=6,
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url, MARCH)
    assert response.content.decode().count("Ask about the budget.") == 7


# The dashboard -----------------------------------------------------------------------------------


def test_a_manager_sees_the_department_tree_ranking_and_problems(
    sales_march, manager_client, company, scenario
):
    response = manager_client.get(reverse("scorecards:dashboard"), MARCH)
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("Dealership", "Sales", "Used cars", "Service"):
        assert name in text
    # Sales subtree: Rita 6/6 + Anna 9/11 = 15/17 = 88.24 %.
    assert "88.24 %" in text
    assert "Staff Member" in text and "Rita Reception" in text
    assert scenario.requirements["budget"].text in text
    assert reverse("scorecards:department_audits", args=[company.root.pk]) in text


def test_employees_are_ranked_by_compliance(sales_march, manager_client, company):
    response = manager_client.get(
        reverse("scorecards:dashboard"), {**MARCH, "department": company.sales.pk}
    )
    text = response.content.decode()
    ranking = text[text.index('class="responsive ranking"') :]
    # Rita 100 % first, then Anna 81.82 %; Boris (no audit, no response) is listed apart.
    assert (
        ranking.index("Rita Reception")
        < ranking.index("Staff Member")
        < ranking.index("1 employee without audits")
    )
    assert ranking.index("1 employee without audits") < ranking.index("Boris Used")


def test_the_manager_of_sales_sees_only_their_subtree(sales_march, sales_manager_client):
    response = sales_manager_client.get(reverse("scorecards:dashboard"), MARCH)
    assert response.status_code == 200
    text = main_of(response)
    assert "Used cars" in text
    assert "Service" not in text and "Dealership" not in text


def test_a_department_outside_the_subtree_is_refused(sales_march, sales_manager_client, company):
    response = sales_manager_client.get(
        reverse("scorecards:dashboard"), {**MARCH, "department": company.service.pk}
    )
    assert response.status_code == 422
    assert "Service" not in main_of(response).split("</form>", 1)[1]


def test_staff_and_auditors_have_no_dashboard(sales_march, staff_client, auditor_client):
    assert staff_client.get(reverse("scorecards:dashboard")).status_code == 403
    assert auditor_client.get(reverse("scorecards:dashboard")).status_code == 403


def test_the_dashboard_reads_a_fixed_number_of_queries(
    sales_march, scenario, manager, auditor, company, staff_member, rita, manager_client,
    django_assert_max_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    from tests.factories import DepartmentFactory, EmployeeFactory

    url = reverse("scorecards:dashboard")
    with django_assert_max_num_queries(20) as few:
        manager_client.get(url, MARCH)
    for index in range(5):
        department = DepartmentFactory.create(name=f"Branch {index}", parent=company.root)
        EmployeeFactory.create_batch(3, department=department, position=scenario.salesperson)
    with django_capture_on_commit_callbacks(execute=True):
        add_sales_audits(
            scenario, manager=manager, auditor=auditor, company=company, anna=staff_member,
            rita=rita, count=4,
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(url, MARCH)
    assert "Branch 4" in response.content.decode()


def test_drill_down_lists_the_audit_steps_behind_a_figure(
    sales_march, manager_client, company, scenario
):
    url = reverse("scorecards:department_audits", args=[company.sales.pk])
    response = manager_client.get(url, MARCH)
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("audits:report", args=[sales_march.pk]) in text
    assert text.count("<tr>") == 1 + 3  # header + the three steps of the audit
    only_budget = manager_client.get(
        url, {**MARCH, "requirement": scenario.requirements["budget"].pk}
    )
    assert only_budget.content.decode().count("<tr>") == 1 + 1


def test_drill_down_respects_the_subtree(sales_march, sales_manager_client, staff_client, company):
    url = reverse("scorecards:department_audits", args=[company.service.pk])
    assert sales_manager_client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 403
    assert sales_manager_client.post(url).status_code == 405


# Recompute ---------------------------------------------------------------------------------------


def test_the_recompute_button_starts_one_run_and_shows_progress(
    sales_march, manager_client, django_capture_on_commit_callbacks
):
    url = reverse("scorecards:recompute")
    with django_capture_on_commit_callbacks(execute=False):
        response = manager_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 202
    run = RecomputeRun.objects.get()
    assert run.status == RecomputeRun.Status.QUEUED
    assert (
        f'hx-get="{reverse("scorecards:recompute_status", args=[run.pk])}"'
        in response.content.decode()
    )
    # A second click while it is queued: the same run, 409.
    again = manager_client.post(url, HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    assert RecomputeRun.objects.count() == 1


def test_the_recompute_runs_and_reports_its_result(
    sales_march, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("scorecards:recompute"))
    assert response.status_code == 302
    run = RecomputeRun.objects.get()
    assert run.status == RecomputeRun.Status.DONE and run.months_done == 13
    status = manager_client.get(
        reverse("scorecards:recompute_status", args=[run.pk]), HTTP_HX_REQUEST="true"
    )
    assert status.status_code == 200
    assert "Last recompute finished" in status.content.decode()
    assert "hx-trigger" not in status.content.decode()


def test_only_managers_recompute(sales_march, staff_client, manager_client):
    assert staff_client.post(reverse("scorecards:recompute")).status_code == 403
    assert manager_client.get(reverse("scorecards:recompute")).status_code == 405
    assert manager_client.get(reverse("scorecards:recompute_status", args=[999])).status_code == 404


# Payroll -----------------------------------------------------------------------------------------


def test_payroll_csv_lists_every_employee_of_the_scope(
    sales_march, sales_manager_client, staff_member, victor
):
    response = sales_manager_client.get(reverse("scorecards:payroll_csv"), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "personnel_number,full_name,department,position,month,compliance_percent"
    )
    anna = next(line for line in lines if "Staff Member" in line)
    assert ",2026-03,81.82,5,1,9,11,70.00,85.00,0.950,2026-01,,band" in anna
    rita = next(line for line in lines if "Rita Reception" in line)
    assert ",100.00,3,1,6,6,95.00,,1.150," in rita
    boris = next(line for line in lines if "Boris Used" in line)
    assert boris.endswith(",,0,0,0,0,,,,,,no_audits")
    assert "Victor Service" not in response.content.decode()  # Service is not in Sales' subtree


def test_payroll_csv_refuses_a_bad_month_and_other_roles(sales_march, manager_client, staff_client):
    assert (
        manager_client.get(reverse("scorecards:payroll_csv"), {"month": "2026-13"}).status_code
        == 422
    )
    assert staff_client.get(reverse("scorecards:payroll_csv")).status_code == 403
    assert manager_client.post(reverse("scorecards:payroll_csv")).status_code == 405
