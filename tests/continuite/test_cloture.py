"""Closing a result: a reader's name over 200 characters is refused, not cut, and what was typed comes back."""

from __future__ import annotations

import html
import re

import pytest

from tests.continuite.test_pages import as_user
from tests.factories import transmission

pytestmark = pytest.mark.django_db


def test_a_long_account_name_is_prefilled_within_the_limit_and_a_refusal_keeps_the_typed_text(lundi) -> None:  # type: ignore[no-untyped-def]
    t = transmission(examens=1)
    account = t.medecin.compte
    account.first_name, account.last_name = "Marie-" + "A" * 140, "B" * 70  # 150 + 70: Django allows it
    account.save()
    c = as_user(account)
    r = t.resultats.get()
    page = html.unescape(c.get(f"/continuite/resultat/{r.pk}/").content.decode())
    prefilled = re.search(r'name="lu_par_nom"[^>]*value="([^"]*)"', page).group(1)
    # The prefilled value (first + last name, up to 301 characters) broke the field's maxlength: a browser sends
    # a prefilled value as is, and the close was refused.
    assert len(prefilled) <= 200
    sent = c.post(
        f"/continuite/resultat/{r.pk}/",
        {
            "lu_par_nom": prefilled + "C" * 20,
            "resultat": "HbA1c 9,2 %",
            "conduite": "Patiente rappelée, RDV le 12",
        },
    )
    body = html.unescape(sent.content.decode())
    assert sent.status_code == 400
    # What the doctor typed must come back in the form.
    assert "Patiente rappelée, RDV le 12" in body and "HbA1c 9,2 %" in body, "texte saisi perdu"
