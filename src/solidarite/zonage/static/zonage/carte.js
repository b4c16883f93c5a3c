/* Carte des zones : EPCI colorés par score, zones retenues entourées. Sans JavaScript, la liste suffit. La carte
   est masquée aux technologies d'assistance (un texte la décrit) et hors du parcours au clavier
   (solidarite/cartes.js). */
(function () {
  "use strict";
  var element = document.getElementById("carte-zones");
  if (!element || !window.L) { return; }
  var map = L.map(element, { preferCanvas: true }).setView([46.6, 2.4], 6);
  if (element.dataset.tuiles) {
    L.tileLayer(element.dataset.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map);
  }
  var colours = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  function colour(score) {
    if (score === null || score === undefined) { return "#cccccc"; }
    return colours[Math.min(4, Math.floor(score / 20))];
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
          var p = feature.properties;
          return { fillColor: colour(p.score), fillOpacity: 0.7, color: p.retenue ? "#000091" : "#ffffff",
                   weight: p.retenue ? 2.5 : 0.5 };
        },
        onEachFeature: function (feature, item) {
          var p = feature.properties;
          item.bindPopup("<strong>" + escapeHtml(p.nom) + "</strong><br>Rang " + p.rang + ", " + p.nb_fragilites +
            " fragilité(s) sur 5, score " + (p.score === null ? "—" : p.score) + "<br>" +
            (p.retenue ? "Zone retenue" : "Non retenue") + '<br><a href="epci/' + encodeURIComponent(p.siren) + '/">Voir le détail</a>');
        }
      }).addTo(map);
      element.dataset.chargee = String(data.features.length);
    });
})();
