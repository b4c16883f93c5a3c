/* Carte des zones : EPCI colorés par score des fragilités (pas par la part du vote, ADR 0021), zones retenues entourées, ajouts des ARS modélisés en
   pointillés. Sans JavaScript, la liste suffit. La carte
   est masquée aux technologies d'assistance (un texte la décrit) et hors du parcours au clavier
   (solidarite/cartes.js, qui la dessine). */
(function () {
  "use strict";
  if (!window.SolidariteCartes) { return; }
  var colours = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  function colour(score) {
    if (score === null || score === undefined) { return "#cccccc"; }
    return colours[Math.min(4, Math.floor(score / 20))];
  }
  var echapper = window.SolidariteCartes.echapper;
  window.SolidariteCartes.zones("carte-zones", function (p) {
    var marquee = p.retenue || p.ajout_ars_modelise;
    return { fillColor: colour(p.score_fragilite), fillOpacity: 0.7, color: marquee ? "#000091" : "#ffffff",
             weight: marquee ? 2.5 : 0.5, dashArray: p.ajout_ars_modelise ? "6 4" : null };
  }, function (p) {
    return "<strong>" + echapper(p.nom) + "</strong><br>Rang " + p.rang + ", " + p.nb_fragilites +
      " fragilité(s) sur 5, score des fragilités " +
      (p.score_fragilite === null ? "—" : String(p.score_fragilite).replace(".", ",")) + " sur 100<br>" +
      (p.retenue ? "Zone retenue" : p.ajout_ars_modelise ? "Non retenue : ajout des ARS modélisé (proposition, en pointillés)" : "Non retenue") + '<br><a href="epci/' + encodeURIComponent(p.siren) + '/">Voir le détail</a>';
  }, false);
})();
