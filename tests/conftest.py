"""Named personas: one staff member per role in clinic ZRH, plus an outsider who runs clinic OUT."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from _pytest.nodeid import NodeId
from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from openhat.clinics.models import Clinic
from openhat.clinics.roles import Role
from openhat.clinics.services import add_membership, create_clinic
from openhat.patients.models import Patient, PatientIdentity
from openhat.patients.services import register_patient
from openhat.patients.validation import IdentityInput
from tests.database import assume_the_application_role, log_in_as_owner
from tests.parallel import SCHEMATHESIS_FIGURES, TAMPER_TABLE, make_scheduler, one_at_a_time

PASSWORD = "correct horse battery staple 42"

# The focused subset `.ci/run` runs a second time against the PostgreSQL service on 127.0.0.1:5432
# (`-m server_run`): every concurrency test (marked `concurrency`), plus these files (or tests): migrations
# from scratch and the demo load, the append-only and tamper guards, and a smoke pass of each area.
SERVER_RUN_FILES = (
    # One demo load against the server (each load takes half a minute; the others run in make test).
    "tests/test_demo.py::test_demo_command_prepares_without_serving",
    "tests/core/test_migrations_match_models.py",
    "tests/audit/test_append_only.py",
    "tests/audit/test_verify_command.py",
    "tests/pharmacy/test_smoke_ledger.py",
    "tests/pharmacy/test_tamper.py",
    "tests/dosing/test_session_flow.py",
    "tests/dosing/test_replay.py",
    "tests/api/test_me_and_clinics.py",
    "tests/security/test_database_roles.py",
    "tests/security/test_tamper_suite.py",
    "tests/care/test_referrals.py",
    "tests/counselling/test_notes.py",
    "tests/interviews/test_services.py",
    "tests/screens/test_services.py",
    "tests/pilot/test_services.py",
    "tests/pilot/test_quote.py::test_a_saved_scenario_keeps_the_version_it_quoted",
    "tests/release/test_release.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Gives schemathesis's tests their own node ids, and marks the server run's files
    (SERVER_RUN_FILES) and the concurrency tests `server_run`."""
    _one_node_id_per_test(items)
    server_run = pytest.mark.server_run
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        named = path in SERVER_RUN_FILES or item.nodeid.split("[", 1)[0] in SERVER_RUN_FILES
        if named or item.get_closest_marker("concurrency") is not None:
            item.add_marker(server_run)


def _one_node_id_per_test(items: list[pytest.Item]) -> None:
    """Schemathesis names each operation's test `test_x[GET /api/...]`, but under pytest 9.2 the
    node id keeps only `test_x`, so every operation shares one id. pytest-xdist schedules by node
    id: it ran one operation per test function and reported a run of 22 requests as a pass. Each
    test gets the id of its name, and a collection with two tests of one id stops the run."""
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and item.parent is not None
            and "[" in item.name
            and "[" not in item.nodeid
        ):
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
    repeated = sorted(
        nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1
    )
    if repeated:
        raise pytest.UsageError(
            f"{len(repeated)} node ids name more than one test (xdist would run one of each): "
            + ", ".join(repeated[:5])
        )


# The test clinic ZRH doses round the clock, so a test may check a patient in at whatever hour it
# runs; the window open at 08:00 is the morning (tests pinned to the next 08:00), at 12:00 the
# midday, at 17:00 the evening. Tests of the windows themselves set the hours they need
# (`usual_windows`, or set_dosing_windows).
ROUND_THE_CLOCK = {
    "morning_opens": time(0, 0),
    "morning_closes": time(10, 30),
    "midday_opens": time(10, 30),
    "midday_closes": time(16, 0),
    "evening_opens": time(16, 0),
    "evening_closes": time.max,
}
USUAL_WINDOWS = {
    "morning_opens": time(7, 0),
    "morning_closes": time(10, 30),
    "midday_opens": time(11, 30),
    "midday_closes": time(14, 30),
    "evening_opens": time(16, 0),
    "evening_closes": time(20, 0),
}


def tamper_table_lines(path: Any) -> list[str]:
    """The tamper suite's rows as a table: case, application's role refused, detected by."""
    import json

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    width = max(len(row["case"]) for row in rows) if rows else 4
    lines = [
        f"tamper table ({len(rows)} cases, {sum(bool(r['detected_by']) for r in rows)} detected):",
        f"  {'case':<{width}}  app role refused  detected by",
    ]
    for row in rows:
        refused = "yes" if row["refused"] else "no (own writes)"
        found = ", ".join(row["detected_by"]) or "NOT DETECTED"
        lines.append(f"  {row['case']:<{width}}  {refused:<16}  {found}")
    return lines


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist)
        SCHEMATHESIS_FIGURES.unlink(missing_ok=True)
        TAMPER_TABLE.unlink(missing_ok=True)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, with the demo package kept on one worker (tests/parallel.py)."""
    return make_scheduler(config, log)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Test databases are created and migrated by the owner (tests/database.py)."""
    log_in_as_owner()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Once the test database is migrated, every connection assumes the application's role."""
    with django_db_blocker.unblock():
        assume_the_application_role()
    yield
    with django_db_blocker.unblock():
        log_in_as_owner()  # the owner drops the test database


@pytest.fixture(autouse=True)
def _concurrency_tests_one_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under pytest-xdist, the concurrency tests wait for each other (tests/parallel.py)."""
    if request.node.get_closest_marker("concurrency") is None:
        yield
        return
    with one_at_a_time("concurrency"):
        yield


@pytest.fixture(autouse=True)
def _checkpoints_per_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test signs its checkpoints into a directory of its own: a checkpoint of rows that a
    test's rollback removes must not be held against the next test's chains."""
    settings.CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The identifier walk's figures, when the role matrix ran (tests/access/identifiers.py), the
    schemathesis run's (requests, time) and the tamper table, when they ran."""
    from tests.access.identifiers import TALLY

    if SCHEMATHESIS_FIGURES.exists():
        terminalreporter.write_line(SCHEMATHESIS_FIGURES.read_text().strip())
    if TAMPER_TABLE.exists():
        for line in tamper_table_lines(TAMPER_TABLE):
            terminalreporter.write_line(line)
    if TALLY["walked"]:
        terminalreporter.write_line(
            f"identifier walk: {TALLY['walked']} route x role answers, {TALLY['denied']} denied, "
            f"{TALLY['with identifiers']} with identifiers, {TALLY['logged']} of them logged"
        )


@dataclass
class Personas:
    clinic: Clinic
    other_clinic: Clinic
    users: dict[str, User]
    outsider: User

    def __getitem__(self, role: str) -> User:
        return self.outsider if role == "outsider" else self.users[role]


def make_user(username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD)


def confirmed_totp(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "authenticator", "confirmed": True}
    )
    return device


@pytest.fixture
def personas(db: Any) -> Personas:
    return build_personas()


@pytest.fixture
def usual_windows(personas: Personas) -> Clinic:
    """ZRH with the usual dosing windows (07:00-10:30, 11:30-14:30, 16:00-20:00)."""
    Clinic.objects.filter(pk=personas.clinic.pk).update(**USUAL_WINDOWS)
    personas.clinic.refresh_from_db()
    return personas.clinic


def build_personas() -> Personas:
    """The personas' clinics and users (also used by tests that build them once per module)."""
    clinic = create_clinic(
        actor=None,
        code="ZRH",
        name="Zurich test clinic",
        time_zone="Europe/Zurich",
        jurisdiction_preset="ch",
    )
    other = create_clinic(
        actor=None,
        code="OUT",
        name="Another clinic",
        time_zone="America/Vancouver",
        jurisdiction_preset="ca-crism",
    )
    for each in (clinic, other):
        Clinic.objects.filter(pk=each.pk).update(**ROUND_THE_CLOCK)
        each.refresh_from_db()
    users: dict[str, User] = {}
    for role in Role:
        user = make_user(f"{role.value}_zrh")
        add_membership(actor=None, user=user, clinic=clinic, role=role)
        users[role.value] = user
    outsider = make_user("manager_out")
    add_membership(actor=None, user=outsider, clinic=other, role=Role.MANAGER)
    return Personas(clinic=clinic, other_clinic=other, users=users, outsider=outsider)


def sign_in(client: Client, user: User) -> Client:
    """Sign in as `user`, with a verified second factor for the roles that need one."""
    client.force_login(user)
    device = confirmed_totp(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for(personas: Personas) -> Any:
    def make(role: str) -> Client:
        return sign_in(Client(), personas[role])

    return make


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return register_zrh_patient(personas)


@pytest.fixture
def other_patient(personas: Personas) -> Patient:
    return register_out_patient(personas)


def register_zrh_patient(personas: Personas) -> Patient:
    """ "Test Person"; a further call registers another person ("Test Person 2", ...), since the
    same identity twice is a possible duplicate (patients.duplicates)."""
    return register_patient(
        actor=personas["nurse"],
        clinic=personas.clinic,
        identity=_next_person(
            IdentityInput("Test Person", date(1975, 5, 17), "female", "756.1234.5678.97")
        ),
    )


def register_out_patient(personas: Personas) -> Patient:
    return register_patient(
        actor=personas.outsider,
        clinic=personas.other_clinic,
        identity=_next_person(IdentityInput("Other Person", date(1969, 1, 3), "male", "")),
    )


def _next_person(identity: IdentityInput) -> IdentityInput:
    taken = PatientIdentity.objects.filter(
        legal_name__startswith=identity.legal_name, date_of_birth=identity.date_of_birth
    ).count()
    if not taken:
        return identity
    return IdentityInput(
        f"{identity.legal_name} {taken + 1}", identity.date_of_birth, identity.sex, ""
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at",
        default=None,
        metavar="HH:MM[:SS]",
        help="start the run at this local time in Zurich (the test clinic's zone): the "
        "application's clock runs on from there, so tests can be tried at a window's edge",
    )


def pytest_configure(config: pytest.Config) -> None:
    """With `--clock-at HH:MM`, django.utils.timezone.now() reads that local time (today, in
    Europe/Zurich) when the run starts and runs on in real time from there, for every fixture and
    test. The database's own now() is not moved: a check of the suite at an hour of the day (the
    windows' edges, midnight), not a way to run it."""
    wanted = config.getoption("--clock-at")
    if not wanted:
        return
    from datetime import datetime as real_datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone as django_timezone

    real_now = django_timezone.now
    zone = ZoneInfo("Europe/Zurich")
    hour, minute, second = (int(part) for part in (wanted + ":0").split(":")[:3])
    started = real_now()
    target = real_datetime.combine(
        started.astimezone(zone).date(), time(hour, minute, second), zone
    )
    shift = target - started
    django_timezone.now = lambda: real_now() + shift  # type: ignore[assignment]
