/* Lien d'évitement « Menu » (RGAA 12.7) : sous 992 px de large (téléphone, zoom à 200 %), le menu principal est
   dans la fenêtre modale fermée du DSFR, invisible ; le lien donne alors le focus au bouton « Menu » qui l'ouvre,
   au lieu de le laisser en haut de la page. Sans JavaScript, solidarite/entete.css affiche le menu. */
(function () {
  "use strict";
  document.querySelectorAll(".fr-skiplinks a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      var modal = target && target.closest(".fr-modal");
      if (!modal || getComputedStyle(target).visibility !== "hidden") { return; }
      var opener = document.querySelector("[aria-controls='" + modal.id + "']:not(.fr-btn--close)");
      if (opener && opener.offsetParent !== null) {
        event.preventDefault();
        opener.focus();
      }
    });
  });
})();
