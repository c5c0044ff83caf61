"""The planner's pages on the real database: who may open them (OPENHAT_PLANNER_PUBLIC off and
on), bad input shown beside its field with the model's code and nothing computed, saving and the
shared link, the PDF of two pages, and a scenario file exported and loaded again."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from openhat import planner
from openhat.audit.codes import AuditCode
from openhat.audit.models import AuditEvent
from openhat.pilot.forms import initial_values
from openhat.pilot.models import Scenario
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

START = "/planner/"
EXAMPLE = planner.LocalInputs.example_us_city()


def form(**changes: Any) -> dict[str, Any]:
    data = {**initial_values(EXAMPLE), "scenario_title": "San Francisco pilot", "action": "show"}
    data.update({key: value for key, value in changes.items()})
    return data


@pytest.fixture
def member(personas: Any) -> Client:
    return sign_in(Client(), personas["nurse"])


# --- who may use it -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["nurse", "researcher", "auditor", "outsider"])
def test_any_signed_in_role_may_plan(personas: Any, role: str) -> None:
    response = sign_in(Client(), personas[role]).get(START)

    assert response.status_code == 200
    assert b"Pilot planner" in response.content


def test_a_user_of_no_clinic_may_plan(db: Any) -> None:
    client = Client()
    client.force_login(User.objects.create_user("advocate", password="a long passphrase 1"))

    assert client.get(START).status_code == 200


@pytest.mark.parametrize(
    "path", [START, "/planner/load/", f"/planner/s/{'A' * 43}/", f"/planner/s/{'A' * 43}/brief.pdf"]
)
def test_by_default_a_visitor_is_sent_to_sign_in(settings: Any, path: str) -> None:
    settings.OPENHAT_PLANNER_PUBLIC = False

    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_visitor_is_not_shown_a_shared_scenario_unless_the_planner_is_public(
    settings: Any, member: Client
) -> None:
    location = member.post(START, form(action="save"))["Location"]
    settings.OPENHAT_PLANNER_PUBLIC = False

    assert Client().get(location).status_code == 302

    settings.OPENHAT_PLANNER_PUBLIC = True
    assert Client().get(location).status_code == 200


def test_a_public_planner_lets_a_visitor_plan_and_save(settings: Any) -> None:
    settings.OPENHAT_PLANNER_PUBLIC = True
    visitor = Client(enforce_csrf_checks=False)

    assert visitor.get(START).status_code == 200
    shown = visitor.post(START, form())
    saved = visitor.post(START, form(action="save"))

    assert shown.status_code == 200
    assert b"The main numbers" in shown.content
    assert saved.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.created_by is None
    assert saved["Location"] == f"/planner/s/{scenario.share_key}/"


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"uptake": "1.5"}, "uptake", "probability_out_of_range"),
        (
            {"prevalence": "-0.1", "eligible_population": ""},
            "prevalence",
            "probability_out_of_range",
        ),
        ({"exit_to_relapse": "0.6"}, "exit_to_relapse", "row_not_summing_to_one"),
        ({"premises_cost": "-100"}, "premises_cost", "negative_cost"),
        ({"staff_cost_per_fte": "-1"}, "staff_cost_per_fte", "negative_cost"),
        ({"eligible_population": "-3"}, "eligible_population", "negative_population"),
        ({"horizon_years": "0"}, "horizon_years", "horizon_out_of_range"),
        ({"capacity": "2500"}, "capacity", "capacity_exceeds_eligible"),
        ({"price_year": ""}, "price_year", "currency_without_price_year"),
        (
            {"eligible_population": "", "population": ""},
            "eligible_population",
            "missing_population",
        ),
        ({"capacity": "many"}, "capacity", "not_a_number"),
        ({"capacity": "12.5"}, "capacity", "not_a_whole_number"),
        ({"uptake": "0,8"}, "uptake", "decimal_comma"),
        ({"comparator": "prayer"}, "comparator", "invalid_choice"),
        ({"horizon_years": ""}, "horizon_years", "required"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_computed_or_saved(
    member: Client, changes: dict[str, str], field: str, code: str
) -> None:
    for action in ("show", "save", "pdf", "json"):
        response = member.post(START, form(action=action, **changes))

        assert response.status_code == 400, action
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        block = page[page.index(f'data-field="{field}"') :]
        block = block[: block.index("</div>\n") if "</ul>" not in block else block.index("</ul>")]
        assert f'data-code="{code}"' in block, (action, block[:600])
        assert "The main numbers" not in page
        assert "Nothing was computed" in page
    assert not Scenario.objects.exists()


def test_every_refusal_on_one_form_is_shown_at_once(member: Client) -> None:
    response = member.post(START, form(uptake="2", horizon_years="0", premises_cost="-5"))

    page = response.content.decode()
    for code in ("probability_out_of_range", "horizon_out_of_range", "negative_cost"):
        assert f'data-code="{code}"' in page


# --- results, saving, sharing -------------------------------------------------------------------


def test_the_brief_names_a_source_or_your_input_for_every_input(member: Client) -> None:
    response = member.post(START, form())

    page = response.content.decode()
    assert response.status_code == 200
    assert "San Francisco pilot" in page
    for name in ("capacity", "uptake", "discount_rate", "prevalence"):
        row = page[page.index(f'data-input="{name}"') :]
        row = row[: row.index("</tr>")]
        assert "your input" in row
    assert "US Census Bureau, 2020 Census" in page  # the example's own citation, kept
    assert "No clinic has yet published a transparency report" in page
    assert "Canadian trial" in page  # the model's limits, stated


def test_a_changed_number_loses_the_citation_of_the_number_it_replaced(member: Client) -> None:
    page = member.post(START, form(capacity="120")).content.decode()

    row = page[page.index('data-input="capacity"') :]
    row = row[: row.index("</tr>")]
    unchanged = page[page.index('data-input="population"') :]
    unchanged = unchanged[: unchanged.index("</tr>")]
    assert "[" not in row  # "your input", no longer cited
    assert "[" in unchanged


def test_saving_gives_a_link_that_shows_the_same_brief_and_is_audited(
    member: Client, personas: Any
) -> None:
    response = member.post(START, form(action="save", capacity="120"))

    scenario = Scenario.objects.get()
    assert response.status_code == 302
    assert scenario.inputs["capacity"] == 120
    assert scenario.created_by == personas["nurse"]
    assert AuditEvent.objects.filter(
        code=AuditCode.PLANNER_SCENARIO_SAVED, object_id=str(scenario.pk)
    ).exists()
    shared = member.get(response["Location"])
    assert shared.status_code == 200
    assert "San Francisco pilot" in shared.content.decode()
    listed = member.get(START).content.decode()
    assert f"/planner/s/{scenario.share_key}/" in listed


def test_an_unknown_link_is_not_found(member: Client) -> None:
    for suffix in ("", "brief.pdf", "scenario.json"):
        assert member.get(f"/planner/s/{'Z' * 43}/{suffix}").status_code == 404


def test_the_brief_pdf_has_two_pages_with_the_numbers_and_their_sources(member: Client) -> None:
    response = member.post(START, form(action="pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2
    first, second = (page.extract_text() for page in pages)
    assert "San Francisco pilot" in first
    assert "The main numbers" in first
    assert "Figure 1" in first and "Figure 2" in first
    assert "Figure 3" in second and "Your inputs" in second and "Sources" in second
    assert "What this brief cannot tell you" in second


def test_a_saved_scenario_gives_the_same_pdf_by_its_link(member: Client) -> None:
    location = member.post(START, form(action="save"))["Location"]

    response = member.get(f"{location}brief.pdf")

    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


# --- JSON export and load -----------------------------------------------------------------------


def test_an_exported_scenario_loads_back_into_the_form(member: Client) -> None:
    location = member.post(START, form(action="save", capacity="120", place="Oakland"))["Location"]
    exported = member.get(f"{location}scenario.json")
    document = json.loads(exported.content)

    loaded = member.post("/planner/load/", {"text": exported.content.decode()})

    assert exported["Content-Disposition"].startswith("attachment;")
    assert document["inputs"]["capacity"] == 120
    page = loaded.content.decode()
    assert loaded.status_code == 200
    assert 'value="120"' in page and 'value="Oakland"' in page
    assert "Loaded “San Francisco pilot”" in page
    again = member.post(START, form(action="json", capacity="120", place="Oakland"))
    assert json.loads(again.content)["inputs"] == document["inputs"]


def test_a_file_upload_loads_too(member: Client) -> None:
    exported = member.post(START, form(action="json")).content
    upload = io.BytesIO(exported)
    upload.name = "scenario.json"

    response = member.post("/planner/load/", {"file": upload})

    assert response.status_code == 200
    assert 'value="San Francisco, California"' in response.content.decode()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{oops", "scenario_json_malformed"),
        ('{"format": "something else"}', "scenario_json_not_a_scenario"),
        ("", "scenario_json_empty"),
    ],
)
def test_a_bad_scenario_file_gets_a_clear_message_never_a_500(
    member: Client, text: str, code: str
) -> None:
    response = member.post("/planner/load/", {"text": text})

    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()


def test_a_loaded_file_with_values_the_model_refuses_shows_them_beside_their_fields(
    member: Client,
) -> None:
    data = json.loads(member.post(START, form(action="json")).content)
    data["inputs"]["horizon_years"] = 0

    response = member.post("/planner/load/", {"text": json.dumps(data)})

    page = response.content.decode()
    assert response.status_code == 200
    block = page[page.index('data-field="horizon_years"') :]
    assert 'data-code="horizon_out_of_range"' in block[: block.index("</ul>")]


def test_a_long_title_and_place_still_fit_the_brief_on_two_pages(member: Client) -> None:
    long = "A city with a rather long official name, and a region beside it, " * 2
    response = member.post(START, form(action="pdf", scenario_title=long[:120], place=long[:200]))

    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


def test_the_error_summary_links_to_each_refused_field_by_its_label(member: Client) -> None:
    page = member.post(START, form(uptake="1.5")).content.decode()

    assert '<a href="#id_uptake">Places filled</a>' in page
    assert "“Places filled” is a share" in page


def test_changing_a_saved_scenario_starts_from_its_inputs(member: Client) -> None:
    location = member.post(START, form(action="save", capacity="120"))["Location"]
    key = location.split("/")[-2]

    page = member.get(f"{START}?from={key}").content.decode()

    assert 'value="120"' in page and 'value="San Francisco pilot"' in page
    assert member.get(f"{START}?from=nonsense").status_code == 404


def test_a_visitor_of_a_public_planner_may_save_only_so_many_an_hour(settings: Any) -> None:
    settings.OPENHAT_PLANNER_PUBLIC = True
    settings.OPENHAT_PLANNER_VISITOR_SAVES_PER_HOUR = 2
    visitor = Client()

    answers = [visitor.post(START, form(action="save")).status_code for _ in range(3)]

    assert answers == [302, 302, 429]
    assert Scenario.objects.count() == 2
    refused = visitor.post(START, form(action="save")).content.decode()
    assert "Too many scenarios were saved from this address" in refused
