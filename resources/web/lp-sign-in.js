// The link's token lives in the URL fragment, which browsers never send to a server, and
// it is spent only by this POST after a person clicks: a mail scanner that fetches the
// link cannot burn it.
(function () {
  "use strict";
  var match = /(?:^|[#&])token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  var button = document.getElementById("confirm");
  var status = document.getElementById("status");
  if (!match) {
    status.textContent = "This page needs the link from your sign-in email.";
    return;
  }
  var token = match[1];
  history.replaceState(null, "", window.location.pathname);
  button.disabled = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Signing in…";
    fetch("/v1/auth/magic-link/consume", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }),
      credentials: "omit",
    }).then(function (response) {
      return response.json().then(function (body) { return [response.status, body]; });
    }).then(function (answer) {
      if (answer[0] === 200) {
        sessionStorage.setItem("dealos.session", answer[1].session_token);
        status.textContent = "You are signed in.";
      } else {
        status.textContent = "This link has expired or was already used. Ask for a new one.";
      }
    }).catch(function () {
      button.disabled = false;
      status.textContent = "The server could not be reached. Try again.";
    });
  });
})();
