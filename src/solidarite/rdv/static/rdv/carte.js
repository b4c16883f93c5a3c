/* Lieux proches sur une carte ; la liste reste le contenu principal, lisible sans JavaScript.
   La carte est masquée aux technologies d'assistance (aria-hidden) : la liste dit la même chose. Rien n'y prend
   donc le focus du clavier (RGAA 10.8, règle aria-hidden-focus d'axe) : ni la carte, ni ses marqueurs, ni ses
   boutons de zoom, ni ses liens ; la souris et le doigt s'en servent comme avant. */
(function () {
  "use strict";
  var element = document.getElementById("carte-lieux");
  var data = document.getElementById("lieux-data");
  if (!element || !data || !window.L) { return; }
  var info = JSON.parse(data.textContent);
  var map = L.map(element, { keyboard: false }).setView([info.commune.lat, info.commune.lon], 9);
  if (info.tuiles) { L.tileLayer(info.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map); }
  L.circleMarker([info.commune.lat, info.commune.lon], { radius: 9, color: "#000091", fillOpacity: 0.6 }).addTo(map).bindPopup(info.commune.nom);
  var bounds = [[info.commune.lat, info.commune.lon]];
  info.lieux.forEach(function (lieu) {
    L.marker([lieu.lat, lieu.lon], { keyboard: false }).addTo(map).bindPopup(lieu.nom);
    bounds.push([lieu.lat, lieu.lon]);
  });
  map.fitBounds(bounds, { padding: [30, 30] });
  function outOfTabOrder() {
    element.querySelectorAll("a, button, [tabindex]").forEach(function (el) { el.setAttribute("tabindex", "-1"); });
  }
  outOfTabOrder();
  map.on("popupopen", outOfTabOrder);  // a popup's close button
})();
