"""Shared fixtures: the real territory loaded once per test session, and editable copies of the data."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.interop.validation_fhir import fhir_answers_valid  # noqa: F401  (autouse: every FHIR answer validated)

if TYPE_CHECKING:
    from solidarite.territoire.sources import TerritoireData

DATA_DIR = Path(settings.SOLIDARITE_DATA_DIR)


@functools.cache
def real_territoire() -> TerritoireData:
    """The real territory files, read once for the tests that only read them (the planning instances drawn on the
    real communes): 1.4 s a reading. Shared: never change it. The reader itself is tested on fresh readings
    (tests/territoire)."""
    from solidarite.territoire.sources import read_territoire

    return read_territoire(DATA_DIR)


@pytest.fixture(scope="session")
def zonage_result():  # type: ignore[no-untyped-def]
    """The national zonage computed once from the real files (pure, no database)."""
    from solidarite.zonage.calcul import compute_zonage
    from solidarite.zonage.sources import load_params

    return compute_zonage(DATA_DIR, load_params())


@pytest.fixture(scope="session")
def zonage_vote_result():  # type: ignore[no-untyped-def]
    """The national zonage of the vote of 6 December (ADR 0021, kept as `zonage_2025_calibre_v6.toml`): the set
    in force no longer votes (ADR 0028), the vote's pages and scores are still tested on it."""
    from solidarite.zonage.calcul import compute_zonage
    from solidarite.zonage.sources import PARAMS_2025_CALIBRE, load_params

    return compute_zonage(DATA_DIR, load_params(PARAMS_2025_CALIBRE.parent / "zonage_2025_calibre_v6.toml"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, zonage_result):  # type: ignore[no-untyped-def]
    """Every database test starts with the real territory of France (COG 2025) loaded, and the
    computed zonage saved as the active campaign."""
    from solidarite.zonage.services import save_campaign

    with django_db_blocker.unblock():
        call_command("load_territoire", verbosity=0)
        save_campaign(zonage_result, activate=True)
        _keep_reference_data()


# What django_db_setup wrote with the real loader: the territory and the active zonage campaign. A transactional test
# starts from an emptied database (the previous one flushed every table); `restore_reference_data()` puts these rows
# back with one INSERT … SELECT per table from a copy kept beside them (not a Django table, so flushes leave it), in a
# fraction of a second where load_territoire + save_campaign took 6 to 8 s each time. The loader itself is tested on
# its own (tests/territoire/test_loading.py).
REFERENCE_APPS = ("territoire", "zonage")


def _reference_tables() -> list[str]:
    from django.apps import apps

    return [model._meta.db_table for app in REFERENCE_APPS for model in apps.get_app_config(app).get_models()]


def _keep_reference_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _reference_tables():
            cursor.execute(f'DROP TABLE IF EXISTS "reference_{table}"')
            cursor.execute(f'CREATE TABLE "reference_{table}" AS SELECT * FROM "{table}"')


def restore_reference_data() -> None:
    """The territory of France and the active zonage as the session loaded them, into the tables a flush emptied
    (a table that still holds rows is left as it is)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in _reference_tables():
            cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
            if cursor.fetchone() is None:
                cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "reference_{table}"')


@pytest.fixture
def territoire() -> None:
    """For transactional tests: the territory and the active zones of the session, back in the emptied database."""
    restore_reference_data()


@pytest.fixture
def freeze_clock(time_machine) -> Callable[[dt.datetime], None]:  # type: ignore[no-untyped-def]
    """Stops the clock at a moment until the test ends. time-machine moves `datetime.now`, `date.today`,
    `time.time` and so Django's `timezone.now` together; patching `timezone.now` alone left `date.today()`
    (and PostgreSQL-free code reading it) on the real day."""

    def _freeze(moment: dt.datetime) -> None:
        time_machine.move_to(moment, tick=False)

    return _freeze


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the territory files, to break one of them in a test."""
    target = tmp_path / "data"
    target.mkdir()
    for path in DATA_DIR.iterdir():
        if path.suffix in {".csv", ".json"}:
            (target / path.name).symlink_to(path)
    return target


def replace_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.unlink()
    path.write_text(text, encoding="utf-8")
    return path


def read_lines(name: str) -> list[str]:
    return (DATA_DIR / name).read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.fixture
def copy_file():  # type: ignore[no-untyped-def]
    """copy_file(folder, name, transform) writes transform(lines) in place of the real file."""

    def _copy(folder: Path, name: str, transform) -> Path:  # type: ignore[no-untyped-def]
        return replace_file(folder, name, "".join(transform(read_lines(name))))

    return _copy


@pytest.fixture(autouse=True)
def _no_leftover_data_dir_setting(settings):  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_DATA_DIR = DATA_DIR


@pytest.fixture(autouse=True)
def _empty_sms_outbox():  # type: ignore[no-untyped-def]
    """Each test starts with no SMS sent, as pytest-django empties `mail.outbox`: a test counting its SMS
    failed after tests/rdv/test_fuseaux.py, whose SMS were still there (run in that order)."""
    from solidarite.rdv import sms

    sms.outbox.clear()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`python -m solidarite collectstatic --noinput` with the production settings (hashed names, gzip and
    brotli copies), once per session into a temporary folder: what `make demo` and a deployment serve."""
    from tests.cli import run_cli

    folder = tmp_path_factory.mktemp("static")
    result = run_cli(
        "collectstatic",
        "--noinput",
        "--verbosity",
        "0",
        env={
            "SOLIDARITE_ENV": "production",
            "DJANGO_SECRET_KEY": "s3cr3t-" * 9,
            "SOLIDARITE_STATIC_DIR": str(folder),
        },
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    return folder


# pytest-django's fixtures that open the database, and ours that reach it.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "client",
        "admin_client",
        "admin_user",
        "django_user_model",
        "territoire",
    }
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The back office's modules registered before collection, as the server has them once its URLs are loaded: a
    command no longer imports them at start (config/apps.AdminALaDemande), and tests parametrised on the registry
    (test_cloison's autocompletes) would otherwise collect nothing."""
    from django.contrib import admin

    admin.autodiscover()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `sans_base` that asks for the database (its marker or a fixture reaching it) is an error at
    collection: the PostgreSQL pass would skip a test that does use a database."""
    wrong = [
        item.nodeid
        for item in items
        if item.get_closest_marker("sans_base") is not None
        and (
            item.get_closest_marker("django_db") is not None
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
    ]
    if wrong:
        raise pytest.UsageError(f"marqués sans_base mais utilisent la base : {', '.join(wrong)}")
