"""Development's outbox: the messages to patients go to files, never to the console or the logs."""

from __future__ import annotations

import logging
import stat

import pytest

from solidarite.rdv import messaging
from tests.factories import PATIENT
from tests.factories import rendez_vous as _book


@pytest.mark.django_db
def test_the_worker_writes_messages_to_the_outbox_and_prints_no_personal_data(
    settings, tmp_path, capsys, caplog
) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_BOITE_ENVOI = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "courriels"
    settings.SOLIDARITE_SMS_BACKEND = "solidarite.rdv.sms.FichierBackend"
    _book(email="jeanne.outbox@exemple.fr")
    with caplog.at_level(logging.DEBUG):
        assert messaging.send_due() == 2  # the confirmation, by e-mail and by SMS

    (sms_file,) = (tmp_path / "sms").iterdir()
    assert stat.S_IMODE(sms_file.stat().st_mode) == 0o600
    written = sms_file.read_text(encoding="utf-8")
    assert "612345678" in written and "Rendez-vous confirmé" in written
    (mail_file,) = (tmp_path / "courriels").iterdir()
    assert "jeanne.outbox@exemple.fr" in mail_file.read_text(encoding="utf-8")

    printed = capsys.readouterr()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for personal in ("jeanne.outbox", "12 34 56 78", "12345678", str(PATIENT["nom"]), "Rendez-vous confirmé"):
        assert personal not in printed.out + printed.err + logged, personal
    assert "SMS écrit dans" in logged
