"""The checklist over HTTP: scope (404/403), a closed round, bad input, bounded queries."""

import pytest
from django.urls import reverse

from checklist import services
from checklist.models import Answer, ChecklistRound, Verdict
from tests.checklist.factories import answer_all, item, open_round
from tests.factories import teacher_of


@pytest.fixture
def checklist_round(world):
    return open_round(world.school, world.directie)


def _answer_post(checklist_round, verdicts):
    data = {}
    for key, verdict in verdicts.items():
        pk = item(checklist_round, key).pk
        data[f"verdict_{pk}"] = verdict
        data[f"remark_{pk}"] = ""
    return data


def test_anonymous_is_sent_to_login(client, world, checklist_round):
    response = client.get(reverse("checklist:round_detail", args=[checklist_round.pk]))
    assert response.status_code == 302 and "/account/inloggen/" in response["Location"]


def test_teacher_answers_own_school_round(world, checklist_round, client_for):
    client = client_for(world.teacher)
    url = reverse("checklist:round_answer", args=[checklist_round.pk])
    response = client.post(url, _answer_post(checklist_round, {"eigen-inlog": Verdict.NOT_OK}))
    assert response.status_code == 302
    assert Answer.objects.get(user=world.teacher).verdict == Verdict.NOT_OK


def test_teacher_of_other_school_gets_404_for_the_round_and_its_answers(
    world, checklist_round, client_for
):
    client = client_for(world.teacher_other_school)
    assert (
        client.get(reverse("checklist:round_detail", args=[checklist_round.pk])).status_code == 404
    )
    response = client.post(
        reverse("checklist:round_answer", args=[checklist_round.pk]),
        _answer_post(checklist_round, {"eigen-inlog": Verdict.OK}),
    )
    assert response.status_code == 404
    assert not Answer.objects.exists()


def test_teacher_may_not_close_a_round_or_download_the_report(world, checklist_round, client_for):
    client = client_for(world.teacher)
    assert (
        client.post(reverse("checklist:round_close", args=[checklist_round.pk])).status_code == 403
    )
    assert (
        client.get(reverse("checklist:round_report", args=[checklist_round.pk])).status_code == 403
    )
    checklist_round.refresh_from_db()
    assert checklist_round.is_open


def test_answers_on_a_closed_round_are_refused_over_http(world, checklist_round, client_for):
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    client = client_for(world.teacher)
    response = client.post(
        reverse("checklist:round_answer", args=[checklist_round.pk]),
        _answer_post(checklist_round, {"eigen-inlog": Verdict.OK}),
        follow=True,
    )
    assert "Deze ronde is gesloten" in response.content.decode()
    assert not Answer.objects.exists()


def test_bad_answer_input_gets_400_and_changes_nothing(world, checklist_round, client_for):
    client = client_for(world.teacher)
    url = reverse("checklist:round_answer", args=[checklist_round.pk])
    response = client.post(url, _answer_post(checklist_round, {"eigen-inlog": "misschien"}))
    assert response.status_code == 400
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Geef bij minstens één vraag een antwoord." in response.content.decode()
    assert not Answer.objects.exists()


def test_directie_opens_a_round_over_http_and_bad_threshold_is_400(world, client_for):
    client = client_for(world.directie)
    url = reverse("checklist:round_open")
    from tests.checklist.factories import current_year

    response = client.post(
        url, {"school": world.other_school.pk, "school_year": current_year(), "not_ok_share": 25}
    )
    assert response.status_code == 400  # not one of the directie's schools
    response = client.post(
        url, {"school": world.school.pk, "school_year": current_year(), "not_ok_share": 0}
    )
    assert response.status_code == 400
    assert not ChecklistRound.objects.exists()
    response = client.post(
        url, {"school": world.school.pk, "school_year": current_year(), "not_ok_share": 30}
    )
    assert response.status_code == 302
    assert ChecklistRound.objects.get().not_ok_share == 30


def test_foundation_dashboard_for_cvb_and_fg_only(world, checklist_round, client_for):
    answer_all(checklist_round, world.teacher)
    response = client_for(world.fg).get(reverse("checklist:dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "De Regenboog" in body and "Het Kompas" in body
    assert client_for(world.directie).get(reverse("checklist:dashboard")).status_code == 403


def test_round_page_runs_a_bounded_number_of_queries(
    world, checklist_round, client_for, django_assert_max_num_queries
):
    client = client_for(world.directie)
    url = reverse("checklist:round_detail", args=[checklist_round.pk])
    client.get(url)  # warm up the session and group sync
    for n in range(8):
        teacher = teacher_of(world.class_5a)
        answer_all(
            checklist_round, teacher, overrides={"eigen-inlog": Verdict.NOT_OK} if n % 2 else {}
        )
    services.round_derive_actions(actor=world.directie, checklist_round=checklist_round)
    # Each app's evidence provider costs a fixed handful of queries (agreements, consent,
    # breaches, portal, governance, built-in); test_round_page_queries_do_not_grow_with_answers
    # checks that nothing grows with the number of answers.
    with django_assert_max_num_queries(70):
        response = client.get(url)
    assert response.status_code == 200


def test_report_pdf_for_directie_and_fg(world, checklist_round, client_for):
    answer_all(checklist_round, world.teacher, remark="Let op de printer")
    response = client_for(world.directie).get(
        reverse("checklist:round_report", args=[checklist_round.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_protocol_paragraph_page_quotes_the_protocol(world, client_for):
    client = client_for(world.teacher)
    response = client.get(reverse("checklist:protocol", args=["12"]))
    assert response.status_code == 200
    assert "Vertrekkende leerkrachten" in response.content.decode()
    assert client.get(reverse("checklist:protocol", args=["99.9"])).status_code == 404


def test_start_page_asks_staff_to_answer_the_open_round(world, checklist_round, client_for):
    body = client_for(world.teacher).get(reverse("home")).content.decode()
    assert "Vul de Checklist privacy" in body
    answer_all(checklist_round, world.other_teacher)
    body = client_for(world.other_teacher).get(reverse("home")).content.decode()
    assert "Vul de Checklist privacy" not in body


def test_round_page_queries_do_not_grow_with_answers(
    world, checklist_round, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.directie)
    url = reverse("checklist:round_detail", args=[checklist_round.pk])
    client.get(url)
    answer_all(checklist_round, world.teacher)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(5):
        answer_all(checklist_round, teacher_of(world.class_6b), verdict=Verdict.NOT_OK)
    services.round_derive_actions(actor=world.directie, checklist_round=checklist_round)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get(url)


def test_action_item_matrix(world, checklist_round, client_for):
    answer_all(checklist_round, world.teacher, overrides={"eigen-inlog": Verdict.NOT_OK})
    services.round_close(actor=world.directie, checklist_round=checklist_round)
    from checklist.models import ActionItem

    action = ActionItem.objects.get(item__key="eigen-inlog")
    url = reverse("checklist:action_edit", args=[action.pk])
    data = {"status": "in_progress", "due_date": "2030-01-31", "note": "Invalkaart maken"}
    assert client_for(world.teacher_other_school).get(url).status_code == 404
    assert client_for(world.directie_other_school).get(url).status_code == 404
    assert client_for(world.teacher).get(url).status_code == 404  # not theirs, not directie
    assert client_for(world.fg).get(url).status_code == 200  # sees, may not edit
    assert client_for(world.fg).post(url, data).status_code == 403
    response = client_for(world.directie).post(url, dict(data, due_date="geen datum"))
    assert response.status_code == 400
    response = client_for(world.directie).post(url, dict(data, owner=world.ib.pk))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.owner, action.note) == (
        "in_progress",
        world.ib,
        "Invalkaart maken",
    )


def test_foundation_publishes_a_new_version_through_the_form(world, client_for):
    from checklist import selectors

    current = selectors.template_items(selectors.current_template(world.foundation))
    data = {
        "items-TOTAL_FORMS": str(len(current) + 1),
        "items-INITIAL_FORMS": str(len(current)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "200",
        "note": "Vraag over wachtwoordkluis erbij",
    }
    for index, it in enumerate(current):
        data.update(
            {
                f"items-{index}-key": it.key,
                f"items-{index}-section": it.section,
                f"items-{index}-text": it.text,
                f"items-{index}-paragraphs": it.paragraphs,
            }
        )
    data[f"items-{len(current) - 1}-retired"] = "on"
    data[f"items-{len(current)}-section"] = "Gegevensbeveiliging"
    data[f"items-{len(current)}-text"] = ""  # half-filled row: a clear 400
    url = reverse("checklist:template_edit")
    assert client_for(world.directie).post(url, data).status_code == 403
    response = client_for(world.cvb).post(url, data)
    assert response.status_code == 400
    assert "Vul de stelling in." in response.content.decode()
    data[f"items-{len(current)}-text"] = "Wij gebruiken een wachtwoordkluis."
    response = client_for(world.cvb).post(url, data)
    assert response.status_code == 302
    new = selectors.current_template(world.foundation)
    keys = [i.key for i in selectors.template_items(new)]
    assert new.version == 2 and keys[-1] == "wij-gebruiken-een-wachtwoordkluis"
    assert current[-1].key not in keys


def test_evidence_links_into_the_admin_only_for_functional_administrators(
    world, checklist_round, client_for
):
    url = reverse("checklist:round_detail", args=[checklist_round.pk])
    admin_link = "/beheer/accounts/staffmembership/"
    directie_page = client_for(world.directie).get(url).content.decode()
    assert "Alle vertrokken medewerkers" in directie_page
    assert admin_link not in directie_page
    assert admin_link in client_for(world.beheerder).get(url).content.decode()


def test_pages_render_for_the_roles_that_use_them(world, checklist_round, client_for):
    fg = client_for(world.fg)
    for name in ("index", "template_list", "template_edit", "dashboard"):
        assert fg.get(reverse(f"checklist:{name}")).status_code == 200, name
    body = fg.get(reverse("checklist:round_detail", args=[checklist_round.pk])).content.decode()
    assert "Uitkomst per vraag" in body and "Antwoorden opslaan" not in body
    assert "Ronde sluiten" not in body  # the FG looks, the directie closes
    teacher = client_for(world.teacher)
    body = teacher.get(
        reverse("checklist:round_detail", args=[checklist_round.pk])
    ).content.decode()
    assert "Antwoorden opslaan" in body and "Uitkomst per vraag" not in body
    assert teacher.get(reverse("checklist:template_edit")).status_code == 403
    template_pk = checklist_round.template.pk
    assert teacher.get(reverse("checklist:template_detail", args=[template_pk])).status_code == 200


def test_the_directie_finds_her_own_questions_before_the_schools_results(
    world, checklist_round, client_for
):
    # Issue 21: the answers she has to give were 4,700 px down, below every result table.
    url = reverse("checklist:round_detail", args=[checklist_round.pk])
    page = client_for(world.directie).get(url).content.decode()
    assert page.index('id="answer-title"') < page.index('id="scores-title"')
    assert page.index('id="answer-title"') < page.index('id="results-title"')
    assert '<a href="#answer-title">Mijn antwoorden</a>' in page


def test_without_any_answer_the_round_page_draws_no_empty_chart(world, checklist_round, client_for):
    # Issue 21: an empty grid said nothing; the chart appears once there is a score.
    page = client_for(world.directie).get(
        reverse("checklist:round_detail", args=[checklist_round.pk])
    )
    assert 'class="chart"' not in page.content.decode()
    dashboard = client_for(world.fg).get(reverse("checklist:dashboard")).content.decode()
    assert 'class="chart"' not in dashboard and "Nog geen scores" in dashboard


def test_the_trend_chart_has_its_numbers_in_a_table_beside_it(world, checklist_round, client_for):
    answer_all(checklist_round, world.teacher)
    url = reverse("checklist:round_detail", args=[checklist_round.pk])
    page = client_for(world.directie).get(url).content.decode()
    assert 'class="chart"' in page
    table = page[page.index('class="table trend-table"') :]
    assert f'<th scope="row">{checklist_round.school_year_label}</th>' in table
    assert '<td class="num">100%</td>' in table
    dashboard = client_for(world.fg).get(reverse("checklist:dashboard")).content.decode()
    assert 'class="table trend-table"' in dashboard


def test_a_long_school_name_in_the_chart_legend_is_shortened_not_clipped():
    from checklist import charts

    svg = charts.trend_chart(
        [("Openbare Basisschool De Regenboog Noord", {2026: 80})], [2026], title="Score"
    )
    assert "Openbare Basisschool…" in svg and "Noord" not in svg
