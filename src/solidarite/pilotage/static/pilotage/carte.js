/* Carte des zones rouges colorées par taux de couverture (jours-lieux couverts / nécessaires) sur la période
   affichée. Masquée aux technologies d'assistance (le tableau « Par zone » dit la même chose) ; hors du parcours
   au clavier (solidarite/cartes.js). Aucune donnée personnelle : la GeoJSON ne porte que des jours et des taux. */
(function () {
  "use strict";
  var element = document.getElementById("carte-couverture");
  if (!element || !window.L) { return; }
  var map = L.map(element, { preferCanvas: true }).setView([46.6, 2.4], 6);
  if (element.dataset.tuiles) {
    L.tileLayer(element.dataset.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map);
  }
  var colours = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
  function colour(rate) {
    if (rate === null || rate === undefined) { return "#cccccc"; }
    return colours[Math.max(0, Math.min(4, Math.floor(rate / 20)))];
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
          return { fillColor: colour(feature.properties.taux_couverture), fillOpacity: 0.75, color: "#000091", weight: 1 };
        },
        onEachFeature: function (feature, item) {
          var p = feature.properties;
          item.bindPopup("<strong>" + escapeHtml(p.nom) + "</strong><br>" + p.jours_couverts + " jours-lieux couverts sur " +
            p.jours_necessaires + " (" + (p.taux_couverture === null ? "—" : p.taux_couverture + " %") + ")<br>" +
            p.lieux_actifs + " lieu(x) actif(s)");
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds()); }
      element.dataset.chargee = String(data.features.length);
    });
})();
