/* Lieux proches sur une carte ; la liste reste le contenu principal, lisible sans JavaScript. La carte est
   masquée aux technologies d'assistance et hors du parcours au clavier (solidarite/cartes.js). */
(function () {
  "use strict";
  var element = document.getElementById("carte-lieux");
  var data = document.getElementById("lieux-data");
  if (!element || !data || !window.L) { return; }
  var info = JSON.parse(data.textContent);
  var bounds = [[info.commune.lat, info.commune.lon]];
  info.lieux.forEach(function (lieu) { bounds.push([lieu.lat, lieu.lon]); });
  /* Cadrée avant d'ajouter le fond : sinon les tuiles d'un premier cadrage sont demandées puis abandonnées,
     autant d'allers-retours perdus sur une ligne lente (bench/pages_patient.py). */
  var map = L.map(element, { maxZoom: 18 }).fitBounds(bounds, { padding: [30, 30] });
  L.circleMarker([info.commune.lat, info.commune.lon], { radius: 9, color: "#000091", fillOpacity: 0.6 }).addTo(map).bindPopup(info.commune.nom);
  info.lieux.forEach(function (lieu) { L.marker([lieu.lat, lieu.lon]).addTo(map).bindPopup(lieu.nom); });
  /* Le fond une fois la page chargée : ses tuiles (une vingtaine, ~20 Ko chacune) passent après la page, et le
     navigateur ne la montre plus « en cours de chargement » pendant les secondes qu'elles prennent sur une ligne
     lente ; la liste et les marqueurs sont là avant. */
  function fond() { L.tileLayer(info.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map); }
  if (!info.tuiles) { return; }
  /* Économiseur de données du navigateur (en-tête « Save-Data », lu par le serveur, ou navigator.connection) ou
     ligne 2G : le fond, les trois quarts des octets de la page, seulement à la demande. La liste suffit. */
  var connexion = navigator.connection || {};
  if (info.economie || connexion.saveData || /(^|-)2g$/.test(connexion.effectiveType || "")) {
    var bouton = document.createElement("button");
    bouton.type = "button";
    bouton.className = "fr-btn fr-btn--sm fr-btn--tertiary fr-mb-3w";
    bouton.id = "fond-de-carte";
    bouton.textContent = "Afficher le fond de la carte (environ 400 Ko)";
    bouton.addEventListener("click", function () { fond(); bouton.remove(); });
    element.classList.remove("fr-mb-3w");
    element.insertAdjacentElement("afterend", bouton);
    return;
  }
  if (document.readyState === "complete") { fond(); } else { window.addEventListener("load", fond); }
})();
