"""The brief quotes a clinic's frozen public report beside the model (issue 16, item 5).

On the small history of tests/outcomes/public_world.py (six DAM patients dosed last month, two of
eight urine screens with street heroin, threshold 5): the quote shows what the report published,
keeps hidden what it hid, names the report's version, address and SHA-256, and survives saving,
sharing, the JSON file and the API. A report that is not published is refused by name."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from openhat.community.services import record_entry
from openhat.outcomes import public_services
from openhat.pilot.brief import build_brief
from openhat.pilot.models import Scenario
from openhat.pilot.quote import quote, report_for
from openhat.planner.retention import still_in_treatment
from tests.conftest import sign_in
from tests.pilot.test_views import EXAMPLE, START, form

pytestmark = pytest.mark.django_db


def _freeze(personas: Any, period: str) -> Any:
    manager = personas["manager"]
    shown = public_services.preview(actor=manager, clinic=personas.clinic, period=period)
    return public_services.freeze(
        actor=manager, clinic=personas.clinic, period=period, expected_sha256=shown.sha256
    ).report


def _choice(report: Any) -> str:
    return f"{report.clinic.code}/{report.period}/v{report.version}"


@pytest.fixture
def frozen(world: Any) -> tuple[Any, Any]:
    personas, history = world
    return personas, _freeze(personas, history.month.key)


def _rows(report: Any) -> dict[str, str]:
    return {row.key: row.clinic for row in quote(report, EXAMPLE).rows}


def test_the_quote_shows_what_the_report_published_and_hides_what_it_hid(frozen: Any) -> None:
    _personas, report = frozen
    content = json.loads(report.content)
    p = content["period"]
    assert content["cells"][f"{p}/in_treatment/total"] == 6
    assert content["cells"][f"{p}/screens/positive"] is None

    rows = _rows(report)

    assert rows["in_treatment"] == "6"
    assert rows["screens"] == "not published"
    assert "2 of 8" not in rows["screens"] and "25%" not in rows["screens"]
    assert rows["community"] == "0 incidents; 1 complaint"
    # No adverse event and no overdose in 6 injection-days: one figure for both.
    assert rows["safety"] == "0.00 (0 in 6), each"
    # No one started 3, 6 or 12 months before last month in this history: said once.
    assert rows["retention"] == "none started"


def test_beside_the_clinic_stand_the_model_and_the_trials_with_sources(frozen: Any) -> None:
    _personas, report = frozen
    found = quote(report, EXAMPLE)
    by_key = {row.key: row for row in found.rows}

    model, riott, german = by_key["retention"].beside
    expected = "; ".join(f"{100 * still_in_treatment(m):.0f}%" for m in (3, 6, 12))
    assert model.text == f"model: {expected}"
    assert "Nosyk" in model.source
    assert (riott.text, german.text) == (
        "English trial (RIOTT) at 26 weeks: 88%",
        "German trial at 12 months: 67%",
    )
    assert by_key["in_treatment"].beside[0].text == f"your plan: {EXAMPLE.capacity:,} places"
    # The trials' figures and citations come from the outcomes page's file of published figures.
    (naomi,) = by_key["street_heroin_days"].beside
    assert naomi.text == "Canadian trial (NAOMI): 26.6; 5.3"
    assert naomi.source.startswith("Oviedo-Joekes et al., JSAT 2010")
    assert german.source.startswith("Haasen et al., Br J Psychiatry 2007")
    assert report.content_sha256 in found.source
    assert found.address == f"/public/clinics/ZRH/reports/{report.period}/v1/"
    whole = quote(report, EXAMPLE, "https://clinic.example").address
    assert whole == f"https://clinic.example{found.address}"


def test_the_brief_numbers_the_report_among_its_sources(frozen: Any) -> None:
    _personas, report = frozen
    brief = build_brief("Quoted", EXAMPLE, report)

    assert brief.quote is not None
    number = int(brief.quote.origin.strip("[]"))
    assert report.content_sha256 in brief.sources[number - 1]
    assert brief.quote.later_version is None


@pytest.mark.parametrize(
    "value", ["ZRH/1999-01/v1", "ZRH/2026-13/v1", "NOPE/2026-11/v1", "ZRH", "ZRH/x/v", "/" * 50]
)
def test_a_report_not_published_is_refused_by_name(frozen: Any, value: str) -> None:
    from openhat.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        report_for(value)

    assert refused.value.code == "quoted_report_unknown"
    assert refused.value.field == "quoted_report"


def test_the_form_offers_the_report_and_the_brief_quotes_it(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])

    offered = client.get(START).content.decode()
    shown = client.post(START, form(quoted_report=_choice(report))).content.decode()

    assert f'value="{_choice(report)}"' in offered
    assert "A real clinic's published figures" in shown
    assert f"{report.period}" in shown and report.content_sha256 in shown


def test_without_a_choice_the_box_says_reports_exist(frozen: Any) -> None:
    personas, _report = frozen
    shown = sign_in(Client(), personas["nurse"]).post(START, form()).content.decode()

    assert "have published 1 monthly report." in shown


def test_an_unknown_report_on_the_form_is_refused_beside_its_field(frozen: Any) -> None:
    personas, _report = frozen
    client = sign_in(Client(), personas["nurse"])

    response = client.post(START, form(quoted_report="ZRH/1999-01/v1", action="save"))

    assert response.status_code == 400
    assert response.context["form"].error_codes()["quoted_report"] == ["quoted_report_unknown"]
    assert not Scenario.objects.exists()


def test_a_saved_scenario_keeps_the_version_it_quoted(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])
    location = client.post(START, form(quoted_report=_choice(report), action="save"))["Location"]
    scenario = Scenario.objects.get()
    assert scenario.quoted_report == report

    # The clinic adds a record to the month and publishes version 2.
    record_entry(
        actor=personas["manager"],
        clinic=personas.clinic,
        occurred_on=report_month_day(report),
        category="meeting",
        description="Met the neighbours.",
        action_taken="Agreed to meet again.",
    )
    second = _freeze(personas, report.period)
    assert second.version == 2

    page = client.get(location).content.decode()
    assert report.content_sha256 in page and second.content_sha256 not in page
    assert "has since published version 2" in page
    edit = client.get(f"{START}?from={scenario.share_key}").content.decode()
    assert f'<option value="{_choice(report)}" selected>' in edit


def report_month_day(report: Any) -> Any:
    from datetime import date

    year, month = (int(part) for part in report.period.split("-"))
    return date(year, month, 15)


def test_the_scenario_file_carries_the_quote_and_loads_it_again(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])
    exported = client.post(START, form(quoted_report=_choice(report), action="json"))
    document = json.loads(exported.content)
    assert document["quoted_report"] == {
        "clinic": "ZRH",
        "period": report.period,
        "version": 1,
        "sha256": report.content_sha256,
    }

    loaded = client.post("/planner/load/", {"text": json.dumps(document)})
    assert loaded.status_code == 200
    assert loaded.context["form"].quoted_report == report

    document["quoted_report"]["sha256"] = "0" * 64
    differs = client.post("/planner/load/", {"text": json.dumps(document)})
    assert differs.context["form"].error_codes()["quoted_report"] == ["quoted_report_differs"]

    document["quoted_report"] = {"clinic": "ZRH", "period": report.period, "version": "1"}
    bad = client.post("/planner/load/", {"text": json.dumps(document)})
    assert bad.status_code == 400
    assert bad.context["error"].code == "scenario_json_quoted_report_invalid"


def test_the_api_saves_and_reads_the_quote(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])
    body = {
        "title": "Quoted over the API",
        "inputs": EXAMPLE.to_dict(),
        "quoted_report": {"clinic": "ZRH", "period": report.period, "version": 1},
    }

    saved = client.post("/api/planner/scenarios", body, content_type="application/json")
    assert saved.status_code == 201, saved.content
    plan = client.get(saved.json()["plan"]).json()
    document = client.get(saved.json()["plan"].removesuffix("/plan")).json()

    assert plan["quoted_report"]["sha256"] == report.content_sha256
    assert {row["key"] for row in plan["quoted_report"]["rows"]} >= {"in_treatment", "screens"}
    assert document["quoted_report"]["version"] == 1

    body["quoted_report"]["version"] = 7
    refused = client.post("/api/planner/scenarios", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "quoted_report_unknown"
    assert Scenario.objects.count() == 1


def test_the_pdf_with_a_quote_stays_on_two_pages(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])

    response = client.post(START, form(quoted_report=_choice(report), action="pdf"))

    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2
    text = "\n".join(page.extract_text() or "" for page in pages)
    assert "published figures" in text and "ZRH" in text


def test_the_command_line_writes_the_quoting_brief(frozen: Any, tmp_path: Any) -> None:
    from django.core.management import CommandError, call_command

    from openhat.pilot import scenario_json
    from openhat.planner import PARAMETERS_VERSION

    _personas, report = frozen
    out = tmp_path / "brief.pdf"
    call_command("planner", "brief", "--example", "--quote", _choice(report), "--out", str(out))
    pages = PdfReader(io.BytesIO(out.read_bytes())).pages
    assert len(pages) == 2
    text = "\n".join(page.extract_text() or "" for page in pages).replace("\n", "")
    assert report.content_sha256 in text

    with pytest.raises(CommandError, match="quoted_report_unknown"):
        call_command(
            "planner", "brief", "--example", "--quote", "ZRH/1999-01/v1", "--out", str(out)
        )

    document = scenario_json.document("Saved", EXAMPLE, PARAMETERS_VERSION, report)
    document["quoted_report"]["sha256"] = "f" * 64
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="quoted_report_differs"):
        call_command("planner", "brief", "--scenario", str(scenario), "--out", str(out))
    with pytest.raises(CommandError, match="cannot write"):
        call_command("planner", "brief", "--example", "--out", str(tmp_path / "no" / "b.pdf"))


def test_the_list_offers_each_clinics_latest_months_grouped_by_clinic(
    frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openhat.outcomes.public_counts import Month
    from openhat.pilot import quote as quote_module

    personas, latest = frozen
    year, month = (int(part) for part in latest.period.split("-"))
    earlier = Month.of(year, month).shifted(-1)
    record_entry(
        actor=personas["manager"],
        clinic=personas.clinic,
        occurred_on=earlier.first,
        category="incident",
        description="Litter by the entrance.",
        action_taken="Swept.",
    )
    older = _freeze(personas, earlier.key)
    monkeypatch.setattr(quote_module, "MONTHS_OFFERED", 1)

    offered = quote_module.choices()
    keeping = quote_module.choices(keeping=_choice(older))

    assert offered == [
        ("Zurich test clinic (ZRH)", [(_choice(latest), f"{latest.period}, version 1")])
    ]
    assert keeping[0] == (
        "Quoted by this scenario",
        [(_choice(older), f"Zurich test clinic (ZRH), {older.period}, version 1")],
    )
    assert quote_module.published_count() == 2


def test_a_report_without_a_table_the_quote_reads_says_not_published(frozen: Any) -> None:
    """A stored text is never recomputed: a report of another shape (no retention tables, no
    rates) is quoted as far as it goes, the rest "not published", never guessed or a 500."""
    _personas, report = frozen
    content = json.loads(report.content)
    content["tables"] = [t for t in content["tables"] if not t["id"].startswith("retention")]
    content["rates"] = []
    report.content = json.dumps(content)  # in memory only: the stored row is append-only

    rows = _rows(report)

    assert rows["retention"] == "not published"
    assert rows["safety"] == "not published"
    assert rows["in_treatment"] == "6"


def test_retention_parts_that_differ_are_named_by_their_months() -> None:
    from openhat.pilot.quote import _by_months

    assert _by_months(["none started", "not published", "4 of 5 (80%)"]) == (
        "3 months: none started; 6 months: not published; 12 months: 4 of 5 (80%)"
    )
    assert _by_months(["not published"] * 3) == "not published"


def test_changing_the_inputs_after_the_brief_keeps_the_chosen_report(frozen: Any) -> None:
    personas, report = frozen
    client = sign_in(Client(), personas["nurse"])

    back = client.post(START, form(quoted_report=_choice(report), action="edit"))

    assert back.status_code == 200
    assert f'<option value="{_choice(report)}" selected>' in back.content.decode()
