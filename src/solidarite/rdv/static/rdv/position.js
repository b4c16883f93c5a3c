// « Autour de moi » : shown only when the browser can give a position; the page works without it.
(function () {
  var button = document.getElementById("autour-de-moi");
  if (!button || !("geolocation" in navigator)) return;
  button.parentElement.hidden = false; // the paragraph: DSFR's .fr-btn display would override [hidden]
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        window.location.search = "?lat=" + pos.coords.latitude.toFixed(4) + "&lon=" + pos.coords.longitude.toFixed(4);
      },
      function () {
        button.disabled = false;
        button.textContent = "Position indisponible : cherchez votre commune";
      },
      { timeout: 10000, maximumAge: 600000 }
    );
  });
})();
