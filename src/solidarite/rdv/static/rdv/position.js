// « Autour de moi » : shown only when the browser can give a position; the page works without it.
(function () {
  var button = document.getElementById("autour-de-moi");
  if (!button || !("geolocation" in navigator)) return;
  button.parentElement.hidden = false; // the paragraph: DSFR's .fr-btn display would override [hidden]
  // The message goes to a status region (read by screen readers); the button keeps its name, and its focus: a
  // disabled button would drop the keyboard's focus back to the top of the page.
  var message = document.getElementById("autour-message");
  var pending = false;
  button.addEventListener("click", function () {
    if (pending) return;
    pending = true;
    button.setAttribute("aria-disabled", "true");
    message.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        window.location.search = "?lat=" + pos.coords.latitude.toFixed(4) + "&lon=" + pos.coords.longitude.toFixed(4);
      },
      function () {
        pending = false;
        button.removeAttribute("aria-disabled");
        message.textContent = "Position indisponible : cherchez votre commune.";
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
