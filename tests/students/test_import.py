"""Import from the pupil administration: UTF-8 and Windows-1252, ';' and ',', dry run,
per-row errors, all-or-nothing unless the valid rows are chosen, and the command."""

import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from students import imports
from students.models import Guardian, GuardianLink, ImportRun, Pupil

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import-sample.csv"
HEADER = "leerlingnummer;roepnaam;achternaam;geboortedatum;groep;inschrijfdatum;bsn"


def csv_bytes(*lines, header=HEADER, encoding="utf-8"):
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


def run(world, raw, mode=imports.Mode.ALL_OR_NOTHING, **kwargs):
    return imports.pupil_import(
        actor=world.administratie, school=world.school, raw=raw, mode=mode, **kwargs
    )


def imported():
    return Pupil.objects.exclude(administration_number="")


def test_the_sample_file_dry_run_changes_nothing_and_shows_what_would(world):
    report = run(world, SAMPLE.read_bytes(), mode=imports.Mode.DRY_RUN)
    assert report.errors == []
    assert report.planned_new == 3
    assert not report.applied
    assert not imported().exists()
    assert ImportRun.objects.get().status == ImportRun.Status.DRY_RUN


def test_the_sample_file_imports_pupils_parents_and_classes(world):
    report = run(world, SAMPLE.read_bytes())
    assert report.applied and report.created == 3
    daan = Pupil.objects.get(administration_number="1001")
    assert daan.citizen_number == "111222333"
    assert daan.postal_code == "6711 AB"
    assert [e.school_class for e in daan.enrolments.all()] == [world.class_5a]
    assert set(daan.guardian_links.values_list("guardian__first_name", flat=True)) == {
        "Anne",
        "Pieter",
    }
    noah = Pupil.objects.get(administration_number="1003")
    mark = GuardianLink.objects.get(pupil=noah, guardian__first_name="Mark")
    assert mark.has_parental_authority is False
    assert Pupil.objects.get(administration_number="1002").last_name == "Çelik"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world):
    run(world, SAMPLE.read_bytes())
    guardians = Guardian.objects.count()
    report = run(world, SAMPLE.read_bytes())
    assert (report.created, report.updated) == (0, 0)
    assert Guardian.objects.count() == guardians
    assert imported().count() == 3


def test_a_changed_row_updates_the_pupil_and_moves_the_class(world):
    run(world, csv_bytes("2001;Lot;Smit;01-02-2017;Groep 5a;20-08-2021;"))
    report = run(
        world, csv_bytes("2001;Lotte;Smit;01-02-2017;Groep 6b;20-08-2021;"), mode="dry_run"
    )
    assert report.rows[0].action == "update"
    assert set(report.rows[0].changed_fields) == {"first_name", "groep"}
    run(world, csv_bytes("2001;Lotte;Smit;01-02-2017;Groep 6b;20-08-2021;"))
    pupil = Pupil.objects.get(administration_number="2001")
    assert pupil.first_name == "Lotte"
    assert [e.school_class for e in pupil.enrolments.all()] == [world.class_6b]


def test_a_column_missing_from_the_file_leaves_the_field_alone(world):
    run(world, csv_bytes("2001;Lot;Smit;01-02-2017;Groep 5a;20-08-2021;111222333"))
    header = "leerlingnummer;roepnaam;achternaam;geboortedatum;groep;inschrijfdatum"
    run(world, csv_bytes("2001;Lot;Smit;01-02-2017;Groep 5a;20-08-2021", header=header))
    assert Pupil.objects.get(administration_number="2001").citizen_number == "111222333"


def test_windows_1252_with_commas_is_read(world):
    raw = csv_bytes(
        "3001,Zoë,Çelik,02-11-2016,Groep 6b,19-08-2020,",
        header=HEADER.replace(";", ","),
        encoding="cp1252",
    )
    report = run(world, raw)
    assert report.errors == []
    assert Pupil.objects.get(administration_number="3001").first_name == "Zoë"


BAD_ROWS = [
    "4001;Ok;Goed;01-02-2017;Groep 5a;20-08-2021;",
    "4002;Datum;Fout;31-02-2017;Groep 5a;20-08-2021;",
    "4003;Groep;Onbekend;01-02-2017;Groep 9z;20-08-2021;",
    "4004;Bsn;Fout;01-02-2017;Groep 5a;20-08-2021;123456789",
    "4005;;Leeg;01-02-2017;Groep 5a;20-08-2021;",
    "4006;Toekomst;Kind;01-02-2999;Groep 5a;20-08-2021;",
]


def test_bad_rows_are_listed_with_their_reason_and_nothing_is_written(world):
    report = run(world, csv_bytes(*BAD_ROWS))
    assert not report.applied
    assert not imported().exists()
    errors = {row.number: " ".join(row.errors) for row in report.errors}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "geboortedatum: geen geldige datum" in errors[3]
    assert "'Groep 9z' bestaat niet" in errors[4]
    assert "elfproef" in errors[5]
    assert "roepnaam: verplicht" in errors[6]
    assert "toekomst" in errors[7]
    run_record = ImportRun.objects.get()
    assert run_record.status == ImportRun.Status.REFUSED
    assert "Datum" not in str(run_record.errors)  # reasons only, no values


def test_the_valid_rows_are_imported_when_the_user_chooses_so(world):
    report = run(world, csv_bytes(*BAD_ROWS), mode=imports.Mode.VALID_ROWS)
    assert report.applied and report.created == 1
    assert list(imported().values_list("administration_number", flat=True)) == ["4001"]


def test_unknown_classes_are_created_when_asked(world):
    report = run(world, csv_bytes(BAD_ROWS[2]), create_classes=True)
    assert report.new_classes == ["Groep 9z"]
    assert (
        Pupil.objects.get(administration_number="4003").enrolments.get().school_class.name
        == "Groep 9z"
    )


def test_a_duplicate_pupil_number_in_the_file_is_an_error(world):
    report = run(world, csv_bytes(BAD_ROWS[0], BAD_ROWS[0]))
    assert "komt ook voor op regel 2" in " ".join(report.errors[0].errors)


def test_broken_encoding_is_refused_and_nothing_is_written(world):
    raw = HEADER.encode() + b"\n5001;J\x81n;\x8d\x90;01-02-2017;Groep 5a;20-08-2021;\n"
    with pytest.raises(imports.ImportFileError, match="niet te lezen"):
        run(world, raw)
    assert not imported().exists()
    assert ImportRun.objects.get().status == ImportRun.Status.REFUSED


def test_a_binary_file_is_refused(world):
    with pytest.raises(imports.ImportFileError, match="geen tekstbestand"):
        run(world, b"PK\x03\x04\x00\x00binary")


def test_missing_columns_are_named(world):
    raw = csv_bytes("6001;Piet;Puk", header="leerlingnummer;roepnaam;achternaam")
    with pytest.raises(imports.ImportFileError, match="geboortedatum, groep, inschrijfdatum"):
        run(world, raw)


def test_an_enormous_file_is_refused_before_it_is_read(world, settings):
    settings.MAX_UPLOAD_MEGABYTES = 1
    line = "7001;Piet;Puk;01-02-2017;Groep 5a;20-08-2021;"
    raw = csv_bytes(*[line] * 30000)
    assert len(raw) > 1024 * 1024
    with pytest.raises(imports.ImportFileError, match="te groot"):
        run(world, raw)
    assert not imported().exists()


def test_there_is_no_row_cap_only_the_size_cap(world):
    # The 5,000-row cap is gone (issue 23): a foundation's school of 5,001 pupils is read whole.
    raw = csv_bytes(*[f"{8000 + i};Piet;Puk;01-02-2017;Groep 5a;20-08-2021;" for i in range(5001)])
    assert len(imports.read_rows(raw)) == 5001


def test_a_thousand_pupils_import_within_a_minute_with_progress(world):
    lines = [
        f"{10000 + i};Kind{i};Achternaam{i};01-02-2017;Groep 5a;20-08-2021;;"
        f"Ouder{i};Achternaam{i};ouder{i}@thuis.example;0612345678;moeder;ja"
        for i in range(1000)
    ]
    header = (
        HEADER
        + ";ouder1_voornaam;ouder1_achternaam;ouder1_email;ouder1_telefoon;ouder1_relatie;ouder1_gezag"
    )
    steps = []
    started = time.monotonic()
    report = run(world, csv_bytes(*lines, header=header), progress=lambda d, t: steps.append(d))
    elapsed = time.monotonic() - started
    assert report.created == 1000
    # Progress is reported per batch (the import is set-based, issue 23).
    assert steps == [500, 1000]
    assert elapsed < 60, elapsed


# --- Through the web and the command ----------------------------------------------------------


def post_import(client, world, raw, mode="dry_run", **extra):
    return client.post(
        reverse("students:pupil_import"),
        {
            "school": world.school.pk,
            "file": SimpleUploadedFile("export.csv", raw),
            "mode": mode,
            **extra,
        },
    )


def test_administration_runs_a_dry_run_in_the_browser(world, client_for):
    response = post_import(client_for(world.administratie), world, SAMPLE.read_bytes())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Proefimport" in page and "Worden nieuw aangemaakt" in page
    assert not imported().exists()


def test_an_import_with_errors_shows_them_per_row_and_is_a_bad_request(world, client_for):
    response = post_import(client_for(world.administratie), world, csv_bytes(*BAD_ROWS), mode="all")
    assert response.status_code == 400
    assert "Fouten per regel" in response.content.decode()
    assert not imported().exists()


def test_a_broken_file_in_the_browser_gets_a_clear_message(world, client_for):
    raw = HEADER.encode() + b"\n5001;J\x81n;\x8d;01-02-2017;Groep 5a;20-08-2021;\n"
    response = post_import(client_for(world.directie), world, raw, mode="all")
    assert response.status_code == 400
    assert "niet te lezen" in response.content.decode()


def test_the_import_in_the_browser_applies_the_file_in_the_background(
    world, client_for, settings, django_capture_on_commit_callbacks
):
    client = client_for(world.administratie)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, world, SAMPLE.read_bytes(), mode="all")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Import klaar: 3 nieuw, 0 bijgewerkt." in page
    assert imported().count() == 3
    # The stored upload is gone once the run ended.
    assert not any((Path(settings.MEDIA_ROOT) / "imports").glob("*"))


def test_a_running_import_shows_its_progress_and_polls_a_fragment_instead_of_reloading(
    world, client_for
):
    # Issue 21 (WCAG F41): no meta refresh; an aria-live region polls the progress fragment,
    # and a "Vernieuwen" link does the same without script.
    client = client_for(world.administratie)
    response = post_import(client, world, SAMPLE.read_bytes(), mode="all")  # task not run yet
    url = response["Location"]
    page = client.get(url).content.decode()
    assert "Bezig met importeren" in page
    assert '<progress max="3" value="0">' in page
    assert 'http-equiv="refresh"' not in page
    assert 'aria-live="polite"' in page and f'data-poll="{url}?deel=voortgang"' in page
    assert f'<a href="{url}">Vernieuwen</a>' in page
    fragment = client.get(url, {"deel": "voortgang"}).content.decode()
    assert "<html" not in fragment and "data-poll-continue" in fragment
    assert '<progress max="3" value="0">' in fragment
    assert not imported().exists()


def test_the_progress_fragment_of_a_finished_import_shows_the_outcome_and_stops_polling(
    world, client_for
):
    from students import imports
    from students.models import ImportRun

    client = client_for(world.administratie)
    url = post_import(client, world, SAMPLE.read_bytes(), mode="all")["Location"]
    imports.import_apply(ImportRun.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1]).pk)
    fragment = client.get(url, {"deel": "voortgang"}).content.decode()
    assert "Import klaar: 3 nieuw, 0 bijgewerkt." in fragment
    assert "data-poll-continue" not in fragment
    assert "data-poll=" not in client.get(url).content.decode()


def test_a_second_delivery_of_the_task_changes_nothing(world, client_for):
    from students import imports
    from students.models import ImportRun

    client = client_for(world.administratie)
    response = post_import(client, world, SAMPLE.read_bytes(), mode="all")
    run = ImportRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    imports.import_apply(run.pk)
    imports.import_apply(run.pk)
    assert imported().count() == 3
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.created == 3 and not run.upload_path


def test_an_import_whose_file_went_missing_fails_cleanly(world, client_for, settings):
    from students import imports
    from students.models import ImportRun

    client = client_for(world.administratie)
    response = post_import(client, world, SAMPLE.read_bytes(), mode="all")
    run = ImportRun.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    (Path(settings.MEDIA_ROOT) / run.upload_path).unlink()
    imports.import_apply(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert "De import is mislukt" in client.get(response["Location"]).content.decode()
    assert not imported().exists()


def test_the_import_page_of_another_school_is_not_found(world, client_for):
    response = post_import(client_for(world.administratie), world, SAMPLE.read_bytes(), mode="all")
    assert client_for(world.directie_other_school).get(response["Location"]).status_code == 404


@pytest.mark.parametrize("persona", ["teacher", "ib", "concierge", "fg", "parent"])
def test_only_directie_and_administration_may_import(world, client_for, persona):
    assert (
        client_for(getattr(world, persona)).get(reverse("students:pupil_import")).status_code == 403
    )


def test_directie_cannot_import_into_another_school(world, client_for):
    response = post_import(
        client_for(world.directie_other_school), world, SAMPLE.read_bytes(), mode="all"
    )
    assert response.status_code == 400
    assert not imported().exists()


def test_the_command_does_a_dry_run_by_default_and_applies_on_request(world):
    out = StringIO()
    call_command("import_pupils", world.school.brin, str(SAMPLE), stdout=out)
    assert "Nothing changed (dry run): 3 new" in out.getvalue()
    assert not imported().exists()
    call_command("import_pupils", world.school.brin, str(SAMPLE), "--apply", stdout=out)
    assert "3/3 rows applied" in out.getvalue()
    assert imported().count() == 3


def test_the_command_refuses_a_file_with_errors(world, tmp_path):
    path = tmp_path / "fout.csv"
    path.write_bytes(csv_bytes(*BAD_ROWS))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_pupils", world.school.brin, str(path), "--apply", stdout=StringIO())
    assert not imported().exists()
