/* Les cartes Leaflet de la plateforme (lieux proches, zones) sont masquées aux technologies d'assistance
   (aria-hidden) : la liste qui les suit dit la même chose. Rien n'y prend donc le focus du clavier (RGAA 10.8 ;
   axe-core : aria-hidden-focus), ni la carte, ni ses marqueurs, ni ses boutons de zoom, ni ses liens, ni le
   bouton de fermeture de ses bulles ; la souris et le doigt s'en servent comme avant. Chargé après leaflet.js,
   avant le script d'une carte : toute carte de la plateforme suit cette règle.
   SolidariteCartes.zones dessine une carte de zones (EPCI) d'après une GeoJSON de la plateforme : chaque carte ne
   dit que sa couleur et sa bulle. */
(function () {
  "use strict";
  if (!window.L) { return; }
  /* Images des marqueurs : Leaflet les cherche à côté de leaflet.css, d'après un nom de fichier que les noms
     avec empreinte des fichiers statiques changent ; on lui donne leur dossier, à côté de ce script. */
  var script = document.currentScript && document.currentScript.src;
  if (script) {
    L.Icon.Default.imagePath = script.replace(/solidarite\/cartes[^\/]*\.js.*$/, "leaflet/images/");
  }
  L.Map.mergeOptions({ keyboard: false });
  L.Marker.mergeOptions({ keyboard: false });
  L.Map.addInitHook(function () {  // after the zoom and attribution controls, added by earlier hooks
    var container = this.getContainer();
    function outOfTabOrder() {
      container.querySelectorAll("a, button, [tabindex]").forEach(function (el) { el.setAttribute("tabindex", "-1"); });
    }
    outOfTabOrder();
    this.on("popupopen", outOfTabOrder);
  });

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  /* La carte de l'élément `id` (data-geojson : l'adresse des zones ; data-tuiles : le fond, facultatif) ; `style` et
     `popup` reçoivent les propriétés d'une zone. Une fois dessinée, data-chargee porte le nombre de zones (les tests
     l'attendent). */
  function zones(id, style, popup, fitBounds) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var map = L.map(element, { preferCanvas: true }).setView([46.6, 2.4], 6);
    if (element.dataset.tuiles) {
      L.tileLayer(element.dataset.tuiles, { maxZoom: 18, attribution: "© IGN – Géoplateforme" }).addTo(map);
    }
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (feature) { return style(feature.properties); },
          onEachFeature: function (feature, item) { item.bindPopup(popup(feature.properties)); }
        }).addTo(map);
        if (fitBounds && data.features.length) { map.fitBounds(layer.getBounds()); }
        element.dataset.chargee = String(data.features.length);
      });
  }
  window.SolidariteCartes = { zones: zones, echapper: escapeHtml };
})();
