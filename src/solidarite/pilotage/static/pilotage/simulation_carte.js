/* Carte d'une simulation d'impact : zones colorées selon le gain d'APL. Le tableau qui suit donne les mêmes
   valeurs ; la carte est masquée aux technologies d'assistance (solidarite/cartes.js). */
(function () {
  "use strict";
  var element = document.getElementById("carte-zones");
  if (!element || !window.L) { return; }
  var map = L.map(element, { preferCanvas: true }).setView([46.6, 2.4], 6);
  if (element.dataset.tuiles) {
    L.tileLayer(element.dataset.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map);
  }
  function colour(gain) {
    if (gain === null || gain === undefined || gain < 0.1) { return "#f7fcf5"; }
    if (gain < 0.3) { return "#c7e9c0"; }
    if (gain < 1) { return "#74c476"; }
    return "#238b45";
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (feature) {
          return { fillColor: colour(feature.properties.gain), fillOpacity: 0.8, color: "#000091", weight: 1 };
        },
        onEachFeature: function (feature, item) {
          var p = feature.properties;
          item.bindPopup("<strong>" + escapeHtml(p.nom) + "</strong><br>APL " + p.apl_avant + " → " + p.apl_apres +
            " (+" + p.gain + ")<br>" + p.consultations + " consultations par an, " + p.etp + " ETP");
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds()); }
      element.dataset.chargee = String(data.features.length);
    });
})();
