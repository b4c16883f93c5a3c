/* Carte des zones rouges colorées par taux de couverture (jours-lieux couverts / nécessaires) sur la période
   affichée. Masquée aux technologies d'assistance (le tableau « Par zone » dit la même chose) ; hors du parcours
   au clavier (solidarite/cartes.js, qui la dessine). Aucune donnée personnelle : la GeoJSON ne porte que des jours
   et des taux. */
(function () {
  "use strict";
  if (!window.SolidariteCartes) { return; }
  var colours = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
  function colour(rate) {
    if (rate === null || rate === undefined) { return "#cccccc"; }
    return colours[Math.max(0, Math.min(4, Math.floor(rate / 20)))];
  }
  var echapper = window.SolidariteCartes.echapper;
  window.SolidariteCartes.zones("carte-couverture", function (p) {
    return { fillColor: colour(p.taux_couverture), fillOpacity: 0.75, color: "#000091", weight: 1 };
  }, function (p) {
    return "<strong>" + echapper(p.nom) + "</strong><br>" + p.jours_couverts + " jours-lieux couverts sur " +
      p.jours_necessaires + " (" + (p.taux_couverture === null ? "—" : p.taux_couverture + " %") + ")<br>" +
      p.lieux_actifs + " lieu(x) actif(s)";
  }, true);
})();
