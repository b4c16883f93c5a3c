"""Campaigns, ARS adjustments, official lists: rules, region checks, all-or-nothing writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from solidarite.territoire.models import Commune, Epci
from solidarite.zonage import services
from solidarite.zonage.calcul import compute_criteria, score_criteria
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle, ResultatEpci
from tests.conftest import DATA_DIR
from tests.factories import agent_ars

pytestmark = pytest.mark.django_db


def _campagne() -> Campagne:
    campagne = services.active_campaign()
    assert campagne is not None
    return campagne


def _first(campagne: Campagne, selected: bool, region_code: str) -> Epci:
    resultat = (
        ResultatEpci.objects.filter(
            campagne=campagne,
            selectionnee_calcul=selected,
            epci__communes__departement__region__code=region_code,
        )
        .select_related("epci")
        .order_by("rang")
        .first()
    )
    assert resultat is not None
    return resultat.epci


def test_saved_campaign_holds_every_epci_and_is_not_duplicated(zonage_result) -> None:  # type: ignore[no-untyped-def]
    campagne = _campagne()
    assert campagne.resultats.count() == 1255
    # 140 with the calibrated set: its rule is a population target (ADR 0028), not a number
    nombre = sum(1 for s in zonage_result.scores if s.selectionnee)
    assert nombre == 140
    assert campagne.resultats.filter(selectionnee_calcul=True).count() == nombre
    assert len(services.final_sirens(campagne)) == nombre
    again, created = services.save_campaign(zonage_result)
    assert (again.pk, created) == (campagne.pk, False)
    assert Campagne.objects.count() == 1


@pytest.mark.parametrize("vote", [False, True])
def test_a_new_result_is_a_new_version_and_can_be_compared(
    vote: bool, request: pytest.FixtureRequest
) -> None:
    result = request.getfixturevalue("zonage_vote_result" if vote else "zonage_result")
    before = _campagne()
    if vote:
        before, _ = services.save_campaign(result)
    computed = sum(1 for s in result.scores if s.selectionnee)
    params = dataclasses.replace(result.params, regle="nombre", nombre=computed - 11)
    # a what-if re-scores the criteria of every method of the vote (ADR 0021)
    other = score_criteria(compute_criteria(DATA_DIR, None, None, None, params.agregations), params)
    campagne, created = services.save_campaign(other)
    assert created and campagne.version == before.version + 1 and not campagne.active
    comparison = services.compare_campaigns(before, campagne)
    # Fewer zones: the balance is the 11 zones fewer. One method drops its last 11; with a vote each method
    # retains fewer, so the shares of votes fall, not all alike — an EPCI may come in as another drops out.
    assert len(comparison.removed) - len(comparison.added) == 11
    assert len(comparison.added) <= (2 if vote else 0)


def test_ars_adds_and_removes_in_its_region_with_a_reason() -> None:
    campagne = _campagne()
    agent = agent_ars("24")  # ARS Centre-Val de Loire
    outside = _first(campagne, False, "24")
    inside = _first(campagne, True, "24")
    services.adjust(campagne, outside, "ajout", "Concertation avec le préfet du 3 juillet 2025", agent)
    services.adjust(campagne, inside, "retrait", "Une maison de santé de 8 médecins a ouvert en 2025", agent)
    final = services.final_sirens(campagne)
    computed = campagne.resultats.filter(selectionnee_calcul=True).count()
    assert outside.siren in final and inside.siren not in final and len(final) == computed
    adjustment = Ajustement.objects.get(epci=outside)
    assert adjustment.auteur == agent and adjustment.region.code == "24" and adjustment.cree_le is not None


def test_the_zone_rouge_of_one_epci_is_the_final_list_s() -> None:
    """zone_rouge (the commune page) answers for one EPCI what final_sirens answers for all."""
    campagne = _campagne()
    agent = agent_ars("24")
    added, removed = _first(campagne, False, "24"), _first(campagne, True, "24")
    services.adjust(campagne, added, "ajout", "Concertation avec le préfet du 3 juillet 2025", agent)
    services.adjust(campagne, removed, "retrait", "Une maison de santé de 8 médecins a ouvert en 2025", agent)
    final = services.final_sirens(campagne)
    others = [r.epci for r in campagne.resultats.select_related("epci").order_by("rang")[:: len(final) // 4]]
    for epci in [added, removed, *others]:
        assert services.zone_rouge(epci) == (campagne, epci.siren in final), epci.nom
    Campagne.objects.update(active=False)
    assert services.zone_rouge(added) is None


def test_adjustment_outside_the_agents_region_is_refused_and_nothing_is_saved() -> None:
    campagne = _campagne()
    agent = agent_ars("24")
    elsewhere = _first(campagne, False, "53")  # Bretagne
    with pytest.raises(
        ValidationError, match="L'ARS Centre-Val de Loire ne peut ajuster que les EPCI de sa région"
    ):
        services.adjust(campagne, elsewhere, "ajout", "Demande des élus du territoire concerné", agent)
    assert not Ajustement.objects.exists()


@pytest.mark.parametrize(
    ("selected", "action", "motif", "message"),
    [
        (False, "ajout", "court", "motif est obligatoire"),
        (True, "ajout", "Un motif tout à fait suffisant", "déjà retenu par le calcul"),
        (False, "retrait", "Un motif tout à fait suffisant", "n'est pas retenu par le calcul"),
        (False, "supprimer", "Un motif tout à fait suffisant", "Action inconnue"),
    ],
)
def test_adjustment_rules(selected: bool, action: str, motif: str, message: str) -> None:
    campagne = _campagne()
    with pytest.raises(ValidationError, match=message):
        services.adjust(campagne, _first(campagne, selected, "24"), action, motif, agent_ars("24"))


def test_the_published_motif_counts_visible_characters_and_has_a_maximum() -> None:
    """Revue ARS: twelve zero-width spaces passed for a motif, and a motif of 200,000 characters was saved."""
    campagne = _campagne()
    agent = agent_ars("24")
    outside = _first(campagne, False, "24")
    refused = [
        ("\u200b" * 12, "motif est obligatoire"),  # zero-width spaces
        ("\ufeff\u2060\u200c\u200d" * 3 + "\u00a0 \t\n", "motif est obligatoire"),  # joiners, BOM, spaces
        ("Avis\u200b\u200b\u200b du 3", "motif est obligatoire"),  # 12 characters, 7 visible
        ("m" * 200_000, "Le motif dépasse 2\u202f000 caractères"),
        ("Demande des élus\x07 du 2 juillet", "caractère de contrôle ou mal codé (U+0007)"),
    ]
    for motif, message in refused:
        with pytest.raises(ValidationError) as raised:
            services.adjust(campagne, outside, "ajout", motif, agent)
        assert message in raised.value.message_dict["motif"][0]
        assert Ajustement.objects.count() == 0
    services.adjust(
        campagne, outside, "ajout", "\u200b Concerta\u200btion avec le préfet,\r\n3 juillet\ufeff ", agent
    )
    assert Ajustement.objects.get().motif == "Concertation avec le préfet,\r\n3 juillet"


def test_a_user_without_ars_cannot_adjust() -> None:
    campagne = _campagne()
    user = User.objects.create_user("sans-ars", is_staff=True)
    with pytest.raises(PermissionDenied, match="aucune ARS"):
        services.adjust(
            campagne, _first(campagne, False, "24"), "ajout", "Un motif tout à fait suffisant", user
        )


def test_official_list_import_and_comparison() -> None:
    from django.test import Client

    campagne = _campagne()
    computed = sorted(services.final_sirens(campagne))
    fid = services.fidelite_campagne(campagne, {})
    assert fid is not None and len(fid.ajouts_modeles) == 11  # 140 computed, 151 published
    assert fid.faits.zones == 151 and len(computed) < 151
    added = fid.ajouts_modeles[0].resultat.epci
    modelled = {a.resultat.epci.siren for a in fid.ajouts_modeles}
    kept = len(computed) - 2
    # A whole list names the 151 zones published (ADR 0027): precision counts every computed zone.
    others = list(
        Epci.objects.exclude(siren__in=[*computed, *modelled])
        .order_by("siren")
        .values_list("siren", flat=True)[: 151 - kept - 1]
    )
    other = Epci.objects.get(siren=others[0])
    content = "siren\n" + "\n".join([*computed[:kept], *others, added.siren]) + "\n"
    liste = services.import_official_list(
        content.encode(), "Liste du 27 juin 2025", dt.date(2025, 6, 27), "Ministère de la Santé"
    )
    assert liste.lignes.count() == 151
    comparison = services.compare_official(liste, campagne)
    assert len(comparison.both) == kept and comparison.perimetre == ""
    assert {e.siren for e, _ in comparison.official_only} == {*others, added.siren}
    miss = dict(comparison.official_only)[other]  # the miss comes with why the computation left it out
    assert miss is not None and miss.explication.startswith("Rang ") and "Non retenue" in miss.explication
    assert len(comparison.computed_only) == 2
    assert comparison.rappel == pytest.approx(kept / 151) and comparison.precision == pytest.approx(
        kept / len(computed)
    )
    # With the ARS additions modelled, as `zonage calibrer --liste` counts them: one of the eleven is official.
    assert [r.epci for r in comparison.ajouts_trouves] == [added] and len(comparison.ajouts) == 11
    assert comparison.trouvees_avec_ajouts == kept + 1
    assert comparison.precision_denominateur_avec_ajouts == len(computed) + 11
    client = Client()
    client.force_login(User.objects.create_superuser("national", "national@example.fr", "x" * 20))
    page = html.unescape(client.get(f"/zonage/gestion/listes/{liste.pk}/").content.decode())
    assert (
        f"Rappel : <strong>{round(100 * kept / 151)} %</strong> des zones officielles sont retrouvées "
        f"({kept} sur 151)" in page
    )
    assert (
        "Avec les 11 ajouts des ARS modélisés" in page
        and f"rappel <strong>{round(100 * (kept + 1) / 151)} %</strong> ({kept + 1} sur 151)" in page
    )
    assert "Liste partielle" not in page
    assert f"{added.nom} — retrouvée par un ajout des ARS modélisé — rang calculé" in page
    assert f"{other.nom} — rang calculé" in page


def test_a_regional_list_is_judged_on_its_region() -> None:
    """An ARS imports its own region's list: the zones computed elsewhere neither confirm nor lower precision."""
    from django.test import Client

    campagne = _campagne()
    computed = services.final_sirens(campagne)
    regions: dict[str, set[str]] = {}  # one read of the communes (a subquery per EPCI took 12 s on SQLite)
    for siren, region in Commune.objects.values_list("epci__siren", "departement__region__code"):
        regions.setdefault(siren, set()).add(region)
    # wholly in Normandie: an EPCI across a border would bring its other region in
    normandie = {siren for siren, codes in regions.items() if siren and codes == {"28"}}
    found = sorted(computed & normandie)
    missed = sorted(normandie - computed)[0]
    assert 0 < len(found) < 10 and len(computed) > 100
    liste = services.import_official_list(
        ("siren\n" + "\n".join([*found, missed]) + "\n").encode(),
        "Liste de l'ARS Normandie",
        dt.date(2025, 6, 27),
        "ARS Normandie",
    )
    comparison = services.compare_official(liste, campagne)
    assert comparison.rappel == pytest.approx(len(found) / (len(found) + 1))
    assert comparison.precision == 1.0 and comparison.computed_only == []  # not len(found) / len(computed)
    in_region = sum(1 for r in comparison.ajouts if r.epci.siren in normandie)
    assert comparison.precision_denominateur_avec_ajouts == len(found) + in_region
    client = Client()
    client.force_login(User.objects.create_superuser("national", "national@example.fr", "x" * 20))
    page = html.unescape(client.get(f"/zonage/gestion/listes/{liste.pk}/").content.decode())
    assert (
        f"Liste partielle ({len(found) + 1} EPCI pour 151 zones publiées) : la précision ne compte que les zones "
        "calculées des régions qu'elle nomme (Normandie)" in page
    )
    assert "Précision : <strong>100 %</strong>" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("siren\n200049484\n999999999\n", "ligne 3 : le SIREN 999999999 n'est pas un EPCI connu"),
        ("siren\n200049484\n200049484\n", r"ligne 3 : l'EPCI 200049484 .* figure déjà ligne 2"),
        ("siren\n2000494\n", "ligne 2 : « 2000494 » n'est pas un SIREN"),
        ("siren\n", "Aucun SIREN"),
        ("", "vide"),
    ],
)
def test_bad_official_lists_are_refused_whole(content: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        services.import_official_list(content, "Liste", dt.date(2025, 6, 27), "Ministère")
    assert not ListeOfficielle.objects.exists()


def test_the_fragility_score_is_kept_and_migrated_only_where_it_is_the_score(zonage_vote_result) -> None:  # type: ignore[no-untyped-def]
    """Migration 0003: a campaign without a vote had one score, the fragility: it is copied. A campaign with a
    vote had a share of votes only: nothing is invented, its fragility stays empty until it is recomputed."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("solidarite.zonage.migrations.0003_score_fragilite")
    voted, _ = services.save_campaign(zonage_vote_result)
    assert voted.parametres.get("membres")
    saved = {r.pk: r.score_fragilite for r in voted.resultats.all()}
    assert all(f is not None for f in saved.values())  # saved by save_campaign, the fragility of the method
    single = Campagne.objects.create(
        version=voted.version + 1, nom="sans vote", parametres={**voted.parametres, "membres": []},
        resume={}, diagnostics={}, millesimes={}, empreinte="sans-vote",
    )  # fmt: skip
    ResultatEpci.objects.bulk_create(
        [
            ResultatEpci(
                campagne=single,
                epci=r.epci,
                rang=r.rang,
                score=r.score_fragilite,
                nb_fragilites=r.nb_fragilites,
                selectionnee_calcul=r.selectionnee_calcul,
                criteres={},
                explication="",
            )
            for r in voted.resultats.select_related("epci")[:50]
        ]
    )
    ResultatEpci.objects.update(score_fragilite=None)  # as before the migration
    migration.copy_single_method_scores(apps, None)
    assert all(r.score_fragilite == r.score for r in single.resultats.all())
    assert not voted.resultats.filter(score_fragilite__isnull=False).exists()


def test_recomputing_a_vote_campaign_fills_its_missing_fragility(zonage_vote_result) -> None:  # type: ignore[no-untyped-def]
    """After migration 0003 a vote campaign has no fragility; recomputing gives the same fingerprint (nothing
    new is stored) but fills the empty scores, and only those: the EPCI page's advice « recalculez-la » works."""
    campagne, _ = services.save_campaign(zonage_vote_result, activate=True)
    assert campagne.parametres.get("membres")
    expected = {s.siren: s.score_fragilite for s in zonage_vote_result.scores}
    kept = campagne.resultats.select_related("epci").order_by("rang").first()
    assert kept is not None
    ResultatEpci.objects.filter(campagne=campagne).exclude(pk=kept.pk).update(score_fragilite=None)
    ResultatEpci.objects.filter(pk=kept.pk).update(score_fragilite=12.5)  # a stored value is not overwritten
    again, created = services.save_campaign(zonage_vote_result, activate=True)
    assert (again.pk, created) == (campagne.pk, False)
    stored = dict(campagne.resultats.values_list("epci__siren", "score_fragilite"))
    assert stored[kept.epci.siren] == 12.5
    assert all(stored[s] == expected[s] for s in stored if s != kept.epci.siren)
    assert sum(v is not None for v in stored.values()) == len(stored) == 1255
