/* Les cartes Leaflet de la plateforme (lieux proches, zones) sont masquées aux technologies d'assistance
   (aria-hidden) : la liste qui les suit dit la même chose. Rien n'y prend donc le focus du clavier (RGAA 10.8 ;
   axe-core : aria-hidden-focus), ni la carte, ni ses marqueurs, ni ses boutons de zoom, ni ses liens, ni le
   bouton de fermeture de ses bulles ; la souris et le doigt s'en servent comme avant. Chargé après leaflet.js,
   avant le script d'une carte : toute carte de la plateforme suit cette règle. */
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
})();
