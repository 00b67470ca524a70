from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.csv import ImportFileError
from core.models import Activity
from roles import services
from roles.imports import ERROR, NEW, UNCHANGED, preview, read_employee_csv
from roles.models import Department, Employee, EmployeeImport, Gender, Position
from tests.factories import DepartmentFactory, EmployeeFactory, PositionFactory

from .conftest import HTMX, NOT_MANAGERS

pytestmark = pytest.mark.django_db

HEADER = "personnel_number,full_name,department,position,gender,hire_date,email,active"


@pytest.fixture
def salesperson(company) -> Position:
    return PositionFactory.create(name="Salesperson")


def _file(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *lines]).encode(encoding)


def _read(data: bytes, user):
    return read_employee_csv(data=data, user=user)


def _upload(client, data: bytes, name: str = "staff.csv"):
    return client.post(
        reverse("roles:employee_import"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


GOOD = _file(
    "A-1,Иван Петров,Sales,Salesperson,м,01.02.2023,ivan@example.com,да",
    "A-2,Anna Smith,used cars,SALESPERSON,female,2022-11-30,,",
)


# Reading the file -------------------------------------------------------------------------


def test_a_good_file_reads_into_values(manager, salesperson, company):
    rows = _read(GOOD, manager.user)
    assert [row.errors for row in rows] == [[], []]
    first, second = (row.values for row in rows)
    assert first is not None and second is not None
    assert (
        first["gender"] == Gender.MALE
        and first["hire_date"] == "2023-02-01"
        and first["is_active"] is True
    )
    assert (
        second["department_id"] == company.used_cars.pk and second["position_id"] == salesperson.pk
    )
    assert second["email"] == "" and second["is_active"] is None


def test_it_refuses_a_file_in_an_unknown_encoding(manager):
    with pytest.raises(ImportFileError, match="neither UTF-8 nor Windows-1251"):
        _read(
            _file("A-1,\x98\x98,Sales,Salesperson,f,2020-01-01,,").replace(b"\xc2\x98", b"\x98"),
            manager.user,
        )


def test_it_explains_utf16_and_excel_workbooks(manager):
    with pytest.raises(ImportFileError, match="UTF-16"):
        _read(_file("A-1,X,Sales,Salesperson,f,2020-01-01", encoding="utf-16"), manager.user)
    with pytest.raises(ImportFileError, match="Excel workbook"):
        _read(b"PK\x03\x04rest-of-a-zip", manager.user)


def test_it_lists_the_missing_columns(manager):
    with pytest.raises(ImportFileError) as error:
        _read(_file("A-1,X,Sales", header="personnel_number,full_name,department"), manager.user)
    assert "Missing columns: position, gender, hire_date." in error.value.message


def test_it_refuses_a_file_that_is_not_csv(manager):
    with pytest.raises(ImportFileError, match="not valid CSV"):
        _read(_file('A-1,"' + "x" * 200_000 + '",Sales,Salesperson,f,2020-01-01,,'), manager.user)


def test_it_refuses_an_empty_file_and_a_header_alone(manager):
    with pytest.raises(ImportFileError, match="empty"):
        _read(b"", manager.user)
    with pytest.raises(ImportFileError, match="no employees"):
        _read(_file(), manager.user)


def test_it_refuses_too_many_rows(manager, salesperson, settings):
    settings.EMPLOYEE_IMPORT_MAX_ROWS = 2
    data = _file(*(f"A-{n},N {n},Sales,Salesperson,f,2020-01-01,," for n in range(3)))
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        _read(data, manager.user)


def test_it_reads_semicolons_cp1251_and_a_bom(manager, salesperson):
    semicolons = _file(
        "A-1;Иван Петров;Sales;Salesperson;м;01.02.2023;;", header=HEADER.replace(",", ";")
    )
    for data in (semicolons, semicolons.decode().encode("cp1251"), b"\xef\xbb\xbf" + GOOD):
        rows = _read(data, manager.user)
        assert rows[0].errors == []
        assert rows[0].values is not None and rows[0].values["full_name"] == "Иван Петров"


def test_it_accepts_russian_headers(manager, salesperson):
    header = "Табельный номер;ФИО;Подразделение;Должность;Пол;Дата приёма"
    rows = _read(
        _file("A-1;Иван Петров;Sales;Salesperson;женский;01.02.2023", header=header), manager.user
    )
    assert rows[0].errors == []
    assert rows[0].values is not None and rows[0].values["gender"] == Gender.FEMALE
    assert rows[0].values["email"] is None  # no such column: the e-mail on file is kept


def test_it_reports_every_problem_of_a_row(manager, salesperson):
    rows = _read(
        _file(
            "A-1,,Nowhere,Astronaut,x,31.02.2023,not-mail,maybe",
            "A-2,Ok Name,Sales,Salesperson,f,2023/01/01,,",
        ),
        manager.user,
    )
    errors = " | ".join(rows[0].errors)
    for expected in (
        "The cell “full_name” is empty.",
        "Unknown department “Nowhere”.",
        "Unknown position “Astronaut”.",
        "Gender “x” is not understood",
        "Hire date “31.02.2023” is not a date",
        "“not-mail” is not an e-mail address.",
        "“maybe” in the column active is not understood",
    ):
        assert expected in errors
    assert rows[1].errors == [
        "Hire date “2023/01/01” is not a date: write YYYY-MM-DD or DD.MM.YYYY."
    ]


def test_it_flags_a_personnel_number_repeated_in_the_file(manager, salesperson):
    rows = _read(
        _file(
            "A-1,One,Sales,Salesperson,f,2020-01-01,,", "A-1,Two,Sales,Salesperson,f,2020-01-01,,"
        ),
        manager.user,
    )
    assert rows[0].errors == []
    assert rows[1].errors == ["Personnel number A-1 is already on line 2 of this file."]
    assert rows[1].values is None


def test_it_refuses_departments_outside_the_managers_part(sales_manager, salesperson):
    rows = _read(_file("A-1,One,Service,Salesperson,f,2020-01-01,,"), sales_manager.user)
    assert rows[0].errors == ["Department “Service” is outside your part of the organisation."]


def test_it_refuses_updating_an_employee_outside_the_managers_part(
    sales_manager, salesperson, company
):
    EmployeeFactory.create(personnel_number="S-9", department=company.service)
    rows = _read(_file("S-9,Moved,Sales,Salesperson,f,2020-01-01,,"), sales_manager.user)
    assert "belongs to an employee outside your part" in rows[0].errors[0]


def test_it_refuses_deactivated_and_ambiguous_places(manager, salesperson, company):
    company.service.is_active = False
    company.service.save()
    DepartmentFactory.create(name="Used cars", parent=company.root)
    PositionFactory.create(name="Porter", is_active=False)
    rows = _read(
        _file(
            "A-1,One,Service,Salesperson,f,2020-01-01,,",
            "A-2,Two,Used cars,Salesperson,f,2020-01-01,,",
            "A-3,Three,Sales,Porter,f,2020-01-01,,",
        ),
        manager.user,
    )
    assert rows[0].errors == ["Department “Service” is deactivated."]
    assert "Several departments are called “Used cars”" in rows[1].errors[0]
    assert rows[2].errors == ["Position “Porter” is deactivated."]


def test_preview_says_new_changed_with_the_fields_or_unchanged(manager, salesperson, company):
    EmployeeFactory.create(
        personnel_number="A-1",
        full_name="Иван Петров",
        department=company.sales,
        position=salesperson,
        gender=Gender.MALE,
        hire_date=datetime.date(2023, 2, 1),
        email="ivan@example.com",
    )
    EmployeeFactory.create(
        personnel_number="A-2",
        full_name="Anna Smith",
        department=company.sales,
        position=salesperson,
        gender=Gender.FEMALE,
        hire_date=datetime.date(2022, 11, 30),
    )
    result = preview(
        _read(GOOD + b"\r\nA-3,New One,Sales,Salesperson,f,2020-01-01,,", manager.user)
    )
    assert [row.status for row in result] == [UNCHANGED, "changed", NEW]
    change = result[1].changes
    assert [(item.label, item.old, item.new) for item in change] == [
        ("department", "Sales", "Used cars")
    ]


# Pages -----------------------------------------------------------------------------------------


def test_upload_page_shows_the_form_and_the_columns(manager_client):
    response = manager_client.get(reverse("roles:employee_import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and "personnel_number" in html


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_get_403(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("roles:employee_import")).status_code == 403
    assert client.get(reverse("roles:employee_import_template")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("roles:employee_import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wrong_methods_are_405(manager_client, manager):
    assert manager_client.put(reverse("roles:employee_import")).status_code == 405
    assert manager_client.post(reverse("roles:employee_import_template")).status_code == 405
    employee_import = EmployeeImport.objects.create(uploaded_by=manager.user, file_name="x.csv")
    assert (
        manager_client.get(
            reverse("roles:employee_import_confirm", args=[employee_import.pk])
        ).status_code
        == 405
    )
    assert (
        manager_client.post(
            reverse("roles:employee_import_detail", args=[employee_import.pk])
        ).status_code
        == 405
    )


def test_a_file_with_errors_is_shown_row_by_row_and_nothing_is_kept(manager_client, salesperson):
    response = _upload(
        manager_client,
        _file(
            "A-1,One,Nowhere,Salesperson,f,2020-01-01,,", "A-2,Two,Sales,Salesperson,f,2020-01-01,,"
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Unknown department “Nowhere”." in html
    assert "Nothing was imported" in html
    statuses = [row.status for row in response.context["preview_rows"]]
    assert statuses == [ERROR, NEW]
    assert not EmployeeImport.objects.exists()


def test_a_file_level_error_is_shown_on_the_form(manager_client):
    response = _upload(manager_client, b"\xff\xfe\x00\x00")
    assert response.status_code == 422
    assert "UTF-16" in response.content.decode()


def test_a_file_over_2_mb_is_refused(manager_client):
    response = _upload(manager_client, b"x" * (2 * 1024 * 1024 + 1))
    assert response.status_code == 422
    assert "larger than 2 MB" in response.content.decode()


def test_a_good_file_is_previewed_then_imported_after_confirmation(
    manager_client, salesperson, company, django_capture_on_commit_callbacks
):
    response = _upload(manager_client, GOOD)
    employee_import = EmployeeImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "roles:employee_import_detail", args=[employee_import.pk]
    )
    assert employee_import.status == EmployeeImport.Status.PREVIEWED
    assert not Employee.objects.filter(personnel_number__in=["A-1", "A-2"]).exists()

    page = manager_client.get(response["Location"])
    assert [row.status for row in page.context["preview_rows"]] == [NEW, NEW]
    assert "Import all rows" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirm = manager_client.post(
            reverse("roles:employee_import_confirm", args=[employee_import.pk])
        )
    assert confirm.status_code == 302
    assert len(callbacks) == 1
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.DONE
    assert (
        employee_import.created_count,
        employee_import.updated_count,
        employee_import.unchanged_count,
    ) == (2, 0, 0)
    assert employee_import.queued_at and employee_import.started_at and employee_import.finished_at
    ivan = Employee.objects.get(personnel_number="A-1")
    assert (ivan.full_name, ivan.department, ivan.gender) == (
        "Иван Петров",
        company.sales,
        Gender.MALE,
    )
    assert Activity.objects.filter(action="employee.create", target_id=str(ivan.pk)).exists()
    assert Activity.objects.filter(action="employee_import.apply").count() == 1

    result = manager_client.get(
        reverse("roles:employee_import_detail", args=[employee_import.pk]), **HTMX
    )
    html = result.content.decode()
    assert "The import is done." in html
    assert "hx-trigger" not in html  # polling stops once the job is finished


def test_reimporting_the_same_file_changes_nothing(
    manager_client, salesperson, django_capture_on_commit_callbacks
):
    for _attempt in range(2):
        _upload(manager_client, GOOD)
        employee_import = EmployeeImport.objects.latest("created_at")
        with django_capture_on_commit_callbacks(execute=True):
            manager_client.post(reverse("roles:employee_import_confirm", args=[employee_import.pk]))
        if _attempt == 0:
            versions = dict(Employee.objects.values_list("personnel_number", "updated_at"))
            activity_count = Activity.objects.filter(action__startswith="employee.").count()
    page = manager_client.get(reverse("roles:employee_import_detail", args=[employee_import.pk]))
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.DONE
    assert (
        employee_import.created_count,
        employee_import.updated_count,
        employee_import.unchanged_count,
    ) == (0, 0, 2)
    assert dict(Employee.objects.values_list("personnel_number", "updated_at")) == versions
    assert Activity.objects.filter(action__startswith="employee.").count() == activity_count
    assert page.status_code == 200


def test_a_second_upload_of_an_imported_file_previews_as_unchanged(
    manager_client, salesperson, django_capture_on_commit_callbacks
):
    _upload(manager_client, GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("roles:employee_import_confirm", args=[EmployeeImport.objects.get().pk])
        )
    response = _upload(manager_client, GOOD)
    page = manager_client.get(response["Location"])
    assert [row.status for row in page.context["preview_rows"]] == [UNCHANGED, UNCHANGED]
    assert "You already imported this same file" in page.content.decode()


def test_updates_change_only_the_columns_the_file_has(
    manager, salesperson, company, django_capture_on_commit_callbacks
):
    kept = EmployeeFactory.create(
        personnel_number="A-1",
        full_name="Old Name",
        department=company.sales,
        position=salesperson,
        gender=Gender.MALE,
        hire_date=datetime.date(2023, 2, 1),
        email="keep@example.com",
        is_active=False,
    )
    header = "personnel_number,full_name,department,position,gender,hire_date"
    rows = _read(_file("A-1,New Name,Sales,Salesperson,m,2023-02-01", header=header), manager.user)
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.employee_import_confirm(actor=manager.user, employee_import=employee_import)
    kept.refresh_from_db()
    assert (kept.full_name, kept.email, kept.is_active) == ("New Name", "keep@example.com", False)
    entry = Activity.objects.get(action="employee.update", target_id=str(kept.pk))
    assert entry.data["changes"] == {"full_name": ["Old Name", "New Name"]}


@pytest.mark.parametrize("vanish", ["deleted", "deactivated"])
def test_nothing_is_written_when_a_department_vanished_after_the_preview(
    manager, salesperson, company, django_capture_on_commit_callbacks, vanish
):
    parts = DepartmentFactory.create(name="Parts", parent=company.service)
    rows = _read(
        _file(
            "A-1,One,Sales,Salesperson,f,2020-01-01,,", "A-2,Two,Parts,Salesperson,f,2020-01-01,,"
        ),
        manager.user,
    )
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    if vanish == "deleted":
        Department.objects.filter(pk=parts.pk).delete()
    else:
        services.department_set_active(actor=manager.user, department=parts, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.employee_import_confirm(actor=manager.user, employee_import=employee_import)
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.FAILED
    assert "line 3: the department “Parts” no longer exists" in employee_import.error
    assert employee_import.finished_at is not None
    assert not Employee.objects.filter(personnel_number__in=["A-1", "A-2"]).exists()
    assert not Activity.objects.filter(action="employee.create").exists()


def test_the_claim_makes_apply_idempotent(manager, salesperson, django_capture_on_commit_callbacks):
    rows = _read(GOOD, manager.user)
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    with django_capture_on_commit_callbacks(execute=False):
        services.employee_import_confirm(actor=manager.user, employee_import=employee_import)
    services.employee_import_apply(import_id=employee_import.pk)
    services.employee_import_apply(import_id=employee_import.pk)
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.DONE
    assert employee_import.created_count == 2
    assert Activity.objects.filter(action="employee.create").count() == 2
    assert Activity.objects.filter(action="employee_import.apply").count() == 1


def test_apply_does_nothing_before_confirmation(manager, salesperson):
    rows = _read(GOOD, manager.user)
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    services.employee_import_apply(import_id=employee_import.pk)
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.PREVIEWED
    assert not Employee.objects.filter(personnel_number="A-1").exists()


def test_an_import_is_confirmed_once(
    manager_client, salesperson, django_capture_on_commit_callbacks
):
    _upload(manager_client, GOOD)
    employee_import = EmployeeImport.objects.get()
    url = reverse("roles:employee_import_confirm", args=[employee_import.pk])
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url)
    response = manager_client.post(url, follow=True)
    assert "already been confirmed" in response.content.decode()
    assert Activity.objects.filter(action="employee_import.confirm").count() == 1


def test_a_broker_down_at_confirmation_loses_nothing(
    manager, salesperson, django_capture_on_commit_callbacks
):
    rows = _read(GOOD, manager.user)
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    with (
        mock.patch(
            "roles.tasks.employee_import_apply.delay", side_effect=ConnectionError("broker down")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.employee_import_confirm(actor=manager.user, employee_import=employee_import)
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.QUEUED

    # Too early: the sweep leaves a freshly queued job alone.
    assert services.employee_import_sweep() == 0
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert services.employee_import_sweep(now=later) == 1
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.DONE
    assert Employee.objects.filter(personnel_number__in=["A-1", "A-2"]).count() == 2


def test_the_sweep_fails_a_job_left_running_by_a_dead_worker(manager):
    stuck = EmployeeImport.objects.create(
        uploaded_by=manager.user,
        file_name="x.csv",
        status=EmployeeImport.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    fresh = EmployeeImport.objects.create(
        uploaded_by=manager.user,
        file_name="y.csv",
        status=EmployeeImport.Status.RUNNING,
        started_at=timezone.now(),
    )
    services.employee_import_sweep()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == EmployeeImport.Status.FAILED and "interrupted" in stuck.error
    assert fresh.status == EmployeeImport.Status.RUNNING


def test_the_sweep_task_runs_the_service(manager):
    from roles.tasks import employee_import_sweep

    assert employee_import_sweep.apply().get() == 0


def test_an_unexpected_error_fails_the_job_and_writes_nothing(manager, salesperson):
    rows = _read(GOOD, manager.user)
    employee_import = services.employee_import_create(
        actor=manager.user,
        file_name="x.csv",
        checksum="c",
        rows=[row.values for row in rows if row.values],
    )
    EmployeeImport.objects.filter(pk=employee_import.pk).update(status=EmployeeImport.Status.QUEUED)
    with mock.patch(
        "roles.services.Activity.objects.bulk_create", side_effect=RuntimeError("disk full")
    ):
        services.employee_import_apply(import_id=employee_import.pk)
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.FAILED
    assert "unexpected error" in employee_import.error
    assert not Employee.objects.filter(personnel_number="A-1").exists()


def test_the_status_polls_while_the_job_waits(manager_client, manager):
    employee_import = EmployeeImport.objects.create(
        uploaded_by=manager.user, file_name="x.csv", status=EmployeeImport.Status.QUEUED, rows=[{}]
    )
    response = manager_client.get(
        reverse("roles:employee_import_detail", args=[employee_import.pk]), **HTMX
    )
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "Waiting to start" in html


def test_another_managers_import_is_404(sales_manager_client, manager):
    employee_import = EmployeeImport.objects.create(uploaded_by=manager.user, file_name="x.csv")
    assert (
        sales_manager_client.get(
            reverse("roles:employee_import_detail", args=[employee_import.pk])
        ).status_code
        == 404
    )
    assert (
        sales_manager_client.post(
            reverse("roles:employee_import_confirm", args=[employee_import.pk])
        ).status_code
        == 404
    )
    employee_import.refresh_from_db()
    assert employee_import.status == EmployeeImport.Status.PREVIEWED


def test_the_sample_file_imports_cleanly(manager_client, manager, salesperson):
    response = manager_client.get(reverse("roles:employee_import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="employees-template.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    rows = _read(response.content, manager.user)
    assert len(rows) == 1 and rows[0].errors == []


def test_the_sample_file_uses_semicolons_in_russian(manager_client, salesperson):
    response = manager_client.get(
        reverse("roles:employee_import_template"), HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert HEADER.replace(",", ";").encode() in response.content
