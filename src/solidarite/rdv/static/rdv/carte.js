/* Lieux proches sur une carte ; la liste reste le contenu principal, lisible sans JavaScript. La carte est
   masquée aux technologies d'assistance et hors du parcours au clavier (solidarite/cartes.js). */
(function () {
  "use strict";
  var element = document.getElementById("carte-lieux");
  var data = document.getElementById("lieux-data");
  if (!element || !data || !window.L) { return; }
  var info = JSON.parse(data.textContent);
  var map = L.map(element).setView([info.commune.lat, info.commune.lon], 9);
  if (info.tuiles) { L.tileLayer(info.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map); }
  L.circleMarker([info.commune.lat, info.commune.lon], { radius: 9, color: "#000091", fillOpacity: 0.6 }).addTo(map).bindPopup(info.commune.nom);
  var bounds = [[info.commune.lat, info.commune.lon]];
  info.lieux.forEach(function (lieu) {
    L.marker([lieu.lat, lieu.lon]).addTo(map).bindPopup(lieu.nom);
    bounds.push([lieu.lat, lieu.lon]);
  });
  map.fitBounds(bounds, { padding: [30, 30] });
})();
