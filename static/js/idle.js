// Idle-logoff warning (HIPAA 164.312(a)(2)(iii) automatic logoff).
// The server ends the session after SESSION_COOKIE_AGE seconds without a request; this script
// only warns shortly before and offers "Stay signed in", which makes one light request. It never
// renews the session by itself. Any page load or htmx request counts as activity; the last
// activity is shared between tabs through localStorage, so a busy tab keeps the others quiet.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!idleSeconds) {
    return; // signed out: nothing to warn about
  }
  var warnSeconds = parseInt(body.getAttribute("data-idle-warning-seconds"), 10) || 90;
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  var loginUrl = body.getAttribute("data-login-url");
  var box = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var stay = document.getElementById("idle-stay");
  var KEY = "oversight.lastActivity";
  var lastActivity = Date.now();

  function shared() {
    try {
      var value = parseInt(window.localStorage.getItem(KEY), 10);
      return value > lastActivity ? value : lastActivity;
    } catch (e) {
      return lastActivity;
    }
  }

  function touch() {
    lastActivity = Date.now();
    try {
      window.localStorage.setItem(KEY, String(lastActivity));
    } catch (e) {
      // storage disabled: this tab still works on its own
    }
    hide();
  }

  function hide() {
    if (box && !box.hidden) {
      box.hidden = true;
    }
  }

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return (m ? m + " min " : "") + s + " s";
  }

  function signedOut() {
    var next = window.location.pathname;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function tick() {
    var left = Math.round((shared() + idleSeconds * 1000 - Date.now()) / 1000);
    if (left <= 0) {
      signedOut();
      return;
    }
    if (left <= warnSeconds && box) {
      countdown.textContent = format(left);
      if (box.hidden) {
        box.hidden = false;
        stay.focus();
      }
    } else {
      hide();
    }
  }

  if (stay) {
    stay.addEventListener("click", function () {
      fetch(keepaliveUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        redirect: "manual",
      })
        .then(function (response) {
          if (response.ok) {
            touch();
          } else {
            signedOut();
          }
        })
        .catch(signedOut);
    });
  }
  // htmx requests reach the server and renew the session: they count as activity.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful !== false) {
      touch();
    }
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      tick();
    }
  });
  touch();
  window.setInterval(tick, 1000);
})();
