/* Carte d'une simulation d'impact : zones colorées selon le gain d'APL. Le tableau qui suit donne les mêmes
   valeurs ; la carte est masquée aux technologies d'assistance (solidarite/cartes.js, qui la dessine). */
(function () {
  "use strict";
  if (!window.SolidariteCartes) { return; }
  function colour(gain) {
    if (gain === null || gain === undefined || gain < 0.1) { return "#f7fcf5"; }
    if (gain < 0.3) { return "#c7e9c0"; }
    if (gain < 1) { return "#74c476"; }
    return "#238b45";
  }
  var echapper = window.SolidariteCartes.echapper;
  window.SolidariteCartes.zones("carte-zones", function (p) {
    return { fillColor: colour(p.gain), fillOpacity: 0.8, color: "#000091", weight: 1 };
  }, function (p) {
    return "<strong>" + echapper(p.nom) + "</strong><br>APL " + p.apl_avant + " → " + p.apl_apres +
      " (+" + p.gain + ")<br>" + p.consultations + " consultations par an, " + p.etp + " ETP";
  }, true);
})();
