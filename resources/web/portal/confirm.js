// The link's token travels in the URL fragment, which the browser never sends to a server.
// This script moves it into the form and takes it off the address bar; only the button's
// POST spends it, so a mail scanner that opens the link spends nothing.
(function () {
  "use strict";
  var match = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (!match) {
    return;
  }
  history.replaceState(null, "", window.location.pathname);
  document.getElementById("token").value = match[1];
  document.getElementById("confirm").disabled = false;
  document.getElementById("status").textContent =
    "The link works once: pressing Sign in uses it.";
})();
