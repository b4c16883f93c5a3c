/* Le bouton « Imprimer » de la journée du médecin, lié ici plutôt que par un attribut onclick : la politique de
   sécurité du contenu de la plateforme n'admet aucun script en ligne. */
(function () {
  "use strict";
  document.querySelectorAll("[data-imprimer]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
