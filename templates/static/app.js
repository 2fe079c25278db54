// Refreshes the dashboard's live part (cards, tables, activity) in place as
// soon as the registry's topics change (it follows the change feed, a long
// poll on data-changes, from data-version), and every 10 seconds besides
// (every 2 while a topic is on its way to Kafka, should the feed be away).
// It fetches the data-refresh URL, which the server sets to the page and
// search on screen: only that page of the topic table travels.
// A rejection reason being typed is never lost: while a field of the live
// part has focus the refresh waits, and a reason typed but left (the admin
// clicked elsewhere) is carried into the refreshed table, keyed by the
// form it belongs to.
// Everything works without this script: forms post and redirect; this only
// saves the reload.
(function () {
  "use strict";
  var INTERVAL_MS = 10000;
  var WAITING_INTERVAL_MS = 2000;
  var FLASH_MS = 8000;
  var FEED_WAIT_S = 25;
  var FEED_RETRY_MS = 5000;
  // Three of the producer's polls (5 s each) without a word: it is away.
  var PRODUCER_SILENT_S = 15;
  var live = document.getElementById("live");
  if (!live || !window.fetch) {
    return;
  }

  function busy() {
    // Never swap the table under someone typing a rejection reason, nor
    // under an armed Delete waiting for its second click.
    if (live.querySelector("button[data-armed]")) {
      return true;
    }
    var active = document.activeElement;
    return active && active !== document.body && live.contains(active);
  }

  // A button with data-confirm sends its form only on a second click: the
  // first turns it into the question ("Really delete orders?") and shows a
  // Cancel beside it.
  live.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button) {
      if (button.hasAttribute("data-armed")) {
        return;
      }
      event.preventDefault();
      button.setAttribute("data-armed", "");
      button.dataset.label = button.textContent;
      button.textContent = button.getAttribute("data-confirm");
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "cancel-confirm";
      cancel.textContent = "Cancel";
      button.after(cancel);
      return;
    }
    var cancelled = event.target.closest("button.cancel-confirm");
    if (cancelled) {
      var armed = cancelled.previousElementSibling;
      armed.removeAttribute("data-armed");
      armed.textContent = armed.dataset.label;
      cancelled.remove();
    }
  });

  // The reasons typed so far, by the action URL of their form.
  function typedReasons() {
    var typed = {};
    live.querySelectorAll("input.reason").forEach(function (input) {
      if (input.value && input.form) {
        typed[input.form.getAttribute("action")] = input.value;
      }
    });
    return typed;
  }

  function restoreReasons(typed) {
    live.querySelectorAll("input.reason").forEach(function (input) {
      var action = input.form && input.form.getAttribute("action");
      if (action && Object.prototype.hasOwnProperty.call(typed, action)) {
        input.value = typed[action];
      }
    });
  }

  function nextDelay() {
    return live.querySelector("tr[data-on-its-way]") ? WAITING_INTERVAL_MS : INTERVAL_MS;
  }

  var timer = null;
  var refreshing = false;
  var refreshAgain = false;

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, nextDelay());
  }

  function refresh() {
    window.clearTimeout(timer);
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    if (busy()) {
      schedule();
      return;
    }
    refreshing = true;
    fetch(live.getAttribute("data-refresh"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (!busy()) {
          var typed = typedReasons();
          live.innerHTML = html;
          restoreReasons(typed);
          live.classList.remove("stale");
          var stamp = document.getElementById("live-updated");
          var footer = document.getElementById("updated");
          if (stamp && footer) {
            footer.textContent = stamp.textContent;
          }
        }
      })
      .catch(function () {
        live.classList.add("stale");
      })
      .then(function () {
        refreshing = false;
        if (refreshAgain) {
          refreshAgain = false;
          refresh();
        } else {
          schedule();
        }
      });
  }

  // Holds one change-feed request open; each answer with a new version
  // refreshes at once. When the feed is away the timer above still runs.
  function follow(version) {
    var url = live.getAttribute("data-changes") + "?since=" + encodeURIComponent(version) +
      "&wait=" + FEED_WAIT_S;
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer.changed) {
          refresh();
        }
        follow(answer.version);
      })
      .catch(function () {
        window.setTimeout(function () {
          follow(version);
        }, FEED_RETRY_MS);
      });
  }

  // A message about the last action stops being news once the page has
  // moved on.
  var flash = document.getElementById("flash");
  if (flash) {
    window.setTimeout(function () {
      flash.classList.add("gone");
    }, FLASH_MS);
  }

  // Same steps as the server's (src/web/kafka_view.rs).
  function formatAge(secs) {
    if (secs < 120) {
      return secs + " s";
    }
    if (secs < 7200) {
      return Math.floor(secs / 60) + " min";
    }
    return Math.floor(secs / 3600) + " h";
  }

  // The cluster line's age keeps counting between refreshes, from the age
  // the server wrote (its own clock, so a skewed client clock cannot
  // matter); each refresh brings a new line and starts the count again.
  function tickCluster() {
    var line = document.getElementById("kafka-cluster");
    var age = line && line.querySelector(".age");
    if (!age || !line.hasAttribute("data-age")) {
      return;
    }
    if (!line.shownAt) {
      line.shownAt = Date.now();
    }
    var secs = Number(line.getAttribute("data-age")) +
      Math.floor((Date.now() - line.shownAt) / 1000);
    age.textContent = formatAge(secs);
    line.classList.toggle("silent", secs >= PRODUCER_SILENT_S);
  }
  window.setInterval(tickCluster, 1000);

  schedule();
  if (live.getAttribute("data-changes") && live.getAttribute("data-version")) {
    follow(live.getAttribute("data-version"));
  }
})();
