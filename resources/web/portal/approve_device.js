// The approval token travels in the URL fragment, which the browser never sends to a
// server. This script moves it into the form and takes it off the address bar; only a
// button's POST uses it, so a mail scanner that opens the link approves nothing.
(function () {
  "use strict";
  var match = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (!match) {
    return;
  }
  history.replaceState(null, "", window.location.pathname + window.location.search);
  document.getElementById("token").value = match[1];
  document.getElementById("approve").disabled = false;
  document.getElementById("deny").disabled = false;
  document.getElementById("status").textContent =
    "The link works once: pressing a button uses it.";
})();
