"""Every setting is declared in settings.py and documented in .env.example; a wrong value stops start-up with a
French sentence naming the variable, never a traceback."""

from __future__ import annotations

import os
import re
import runpy
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import solidarite.config.settings as settings_module
from tests.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent.parent


class _Recording(dict[str, str]):
    """os.environ as settings.py reads it, remembering every name asked."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("settings.py ne doit pas parcourir l'environnement : chaque réglage est nommé")


def _read_by_settings(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The names settings.py reads, run twice so that every branch is taken: the defaults (SQLite, no identity
    provider), then PostgreSQL with the three OpenID Connect providers on."""
    asked: set[str] = set()
    providers = {}
    for prefix in ("SOLIDARITE_PSC", "SOLIDARITE_PROCONNECT", "SOLIDARITE_FRANCECONNECT"):
        providers |= {f"{prefix}_ISSUER": "https://idp.example.fr", f"{prefix}_CLIENT_ID": "c"}
        providers[f"{prefix}_CLIENT_SECRET"] = "s"
    postgres = {
        "DATABASE_URL": "postgres://solidarite@db.invalid:5432/solidarite"
    }  # read, never connected to
    for extra in ({}, {**providers, **postgres}):
        recording = _Recording({**os.environ, **extra})
        monkeypatch.setattr(os, "environ", recording)
        runpy.run_path(settings_module.__file__)
        asked |= recording.asked
    return asked


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_variable_read_by_the_settings_is_documented_and_every_documented_one_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = _read_by_settings(monkeypatch)
    assert {"SOLIDARITE_TRAVEL_PROVIDER", "SOLIDARITE_TUILES_URL", "SOLIDARITE_LIEUX_TTL_S"} <= read
    assert read - _documented() == set(), "lu par settings.py, absent de .env.example"
    assert _documented() - read == set(), "décrit dans .env.example, lu nulle part"


def test_the_code_reads_settings_only_through_django_settings_never_the_environment() -> None:
    readers = []
    for path in (ROOT / "src" / "solidarite").rglob("*.py"):
        if path.name in {"settings.py", "settings_test.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ(\.get)?\(?\[?\s*[\"']SOLIDARITE_|getattr\(settings", text):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


BAD_VALUES = [
    ("SOLIDARITE_ENV", "recette"),
    ("DJANGO_DEBUG", "peut-être"),
    ("DATABASE_URL", "base-de-donnees"),
    ("EMAIL_PORT", "smtp"),
    ("SOLIDARITE_EMAIL_BACKEND", "courriel"),
    ("SOLIDARITE_SMS_BACKEND", "sms_inconnu.Envoi"),
    ("SOLIDARITE_SMS_BREVO_URL", "api.brevo.com/v3"),
    ("SOLIDARITE_TRAVEL_PROVIDER", "google"),
    ("SOLIDARITE_OSRM_URL", "127.0.0.1:5000"),
    ("SOLIDARITE_TUILES_URL", "tuiles.example.fr/{z}/{x}/{y}.png"),
    ("SOLIDARITE_LIMITE_RECHERCHES", "beaucoup"),
    ("SOLIDARITE_LIMITE_RESERVATIONS", "-1"),
    ("SOLIDARITE_LIEUX_TTL_S", "trente"),
    ("SOLIDARITE_COMMUNES_TTL_S", "-5"),
    ("SOLIDARITE_ORTHOGRAPHE_TTL_S", "dix minutes"),
    ("SOLIDARITE_PROCHAINS_TTL_S", "3s"),
    ("SOLIDARITE_BASE_URL", "solidarite.example.fr"),
    ("SOLIDARITE_LOG_LEVEL", "BAVARD"),
    ("SOLIDARITE_HSTS_SECONDES", "un an"),
    ("SOLIDARITE_CONSERVATION_RDV_JOURS", "un an"),
    ("SOLIDARITE_SESSION_PRO_HEURES", "douze"),
]


def test_a_wrong_value_stops_start_up_with_a_french_sentence_naming_the_variable() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda case: run_cli("check", env=dict([case]), timeout=120), BAD_VALUES))
    for (name, value), result in zip(BAD_VALUES, results, strict=True):
        assert result.returncode != 0, (name, value, result.stdout)
        assert name in result.stderr and "Traceback" not in result.stderr, (name, value, result.stderr)
