// The dosing board: live observation countdowns, group filters and search without a reload,
// keyboard moves between patients, and a refresh of the rows every 15 s that keeps the nurse's
// place (focus, filter, search) and the photos already shown. "/" is openhat.js's search key.
(function () {
  "use strict";
  var REFRESH_MS = 15000;
  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var search = document.querySelector("[data-board-search]");
  var status = document.querySelector("[data-board-status]");
  var groups = ["due", "checked_in", "observing", "done", "held", "not_come"];
  var state = { group: board.getAttribute("data-group") || "", q: search ? search.value.trim() : "" };
  var offset = 0; // server clock minus this device's clock, in ms

  function syncClock() {
    var marker = board.querySelector("[data-server-now]");
    var serverNow = Number(marker ? marker.getAttribute("data-server-now") : board.getAttribute("data-now"));
    if (serverNow) {
      offset = serverNow - Date.now();
    }
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function tick() {
    var now = Date.now() + offset;
    board.querySelectorAll(".countdown[data-until]").forEach(function (timer) {
      var left = Math.ceil((Number(timer.getAttribute("data-until")) - now) / 1000);
      if (left > 0) {
        timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60) + " left";
        timer.classList.remove("over");
      } else if (!timer.classList.contains("over") || timer.textContent.indexOf("sign off") < 0) {
        timer.textContent = "observation over — sign off";
        timer.classList.add("over");
        var hint = timer.closest("[data-row]").querySelector(".row-hint");
        if (hint) {
          hint.textContent = "↵ Sign off";
        }
      }
    });
  }

  function rows() {
    return Array.prototype.slice.call(board.querySelectorAll("[data-row]"));
  }

  function apply() {
    var needle = state.q.toUpperCase();
    var counts = { "": 0 };
    rows().forEach(function (row) {
      var group = row.getAttribute("data-group");
      var matches = !needle || row.getAttribute("data-code").toUpperCase().indexOf(needle) >= 0;
      if (matches) {
        counts[group] = (counts[group] || 0) + 1;
        counts[""] += 1;
      }
      row.hidden = !matches || (state.group !== "" && group !== state.group);
    });
    board.querySelectorAll("[data-group-section]").forEach(function (section) {
      var key = section.getAttribute("data-group-section");
      var shown = section.querySelectorAll("[data-row]:not([hidden])").length;
      section.hidden = (state.group !== "" && key !== state.group) || (needle !== "" && shown === 0);
    });
    var noMatch = board.querySelector("[data-no-match]");
    if (noMatch) {
      noMatch.hidden = !(needle && counts[""] === 0);
      noMatch.querySelector("[data-no-match-query]").textContent = state.q;
    }
    board.querySelectorAll("[data-chip]").forEach(function (chip) {
      var key = chip.getAttribute("data-chip");
      var active = key === state.group;
      chip.classList.toggle("active", active);
      chip.setAttribute("aria-pressed", active ? "true" : "false");
      var count = chip.querySelector("[data-count]");
      if (count) {
        count.textContent = String(counts[key] || 0);
      }
    });
    var url = new URL(window.location.href);
    url.searchParams.delete("group");
    url.searchParams.delete("q");
    if (state.group) {
      url.searchParams.set("group", state.group);
    }
    if (state.q) {
      url.searchParams.set("q", state.q);
    }
    window.history.replaceState(null, "", url.toString());
  }

  function visibleLinks() {
    return rows()
      .filter(function (row) { return !row.hidden && !row.closest("[hidden]"); })
      .map(function (row) { return row.querySelector("[data-row-link]"); });
  }

  function move(step) {
    var links = visibleLinks();
    if (!links.length) {
      return;
    }
    var index = links.indexOf(document.activeElement);
    var next = index < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(Math.max(index + step, 0), links.length - 1);
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  }

  function typing() {
    var active = document.activeElement;
    return active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" ||
      active.tagName === "SELECT" || active.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.target === search) {
      if (event.key === "Escape") {
        search.value = "";
        state.q = "";
        apply();
        search.blur();
      } else if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault();
        search.blur();
        move(1);
      }
      return;
    }
    if (typing()) {
      return;
    }
    if (/^[0-6]$/.test(event.key)) {
      event.preventDefault();
      var digit = Number(event.key);
      state.group = digit === 0 ? "" : groups[digit - 1];
      apply();
    } else if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      move(1);
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      move(-1);
    }
  });

  board.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-chip]");
    if (!chip) {
      return;
    }
    event.preventDefault();
    var key = chip.getAttribute("data-chip");
    state.group = key === state.group ? "" : key;
    apply();
  });

  if (search) {
    search.addEventListener("input", function () {
      state.q = search.value.trim();
      apply();
    });
    search.form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
  }

  function say(text, stale) {
    if (status) {
      status.textContent = text;
      status.classList.toggle("stale", Boolean(stale));
    }
  }

  function clock() {
    var now = new Date(Date.now() + offset);
    return pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
  }

  var lastUpdate = clock();

  function swap(html) {
    var focused = document.activeElement && board.contains(document.activeElement)
      ? document.activeElement.getAttribute("data-key") : null;
    var photos = {};
    board.querySelectorAll("[data-photo] img").forEach(function (img) {
      photos[img.closest("[data-photo]").getAttribute("data-photo")] = img;
    });
    // Parsed outside the page, so an identity photo already shown is moved, not fetched again.
    var fresh = new DOMParser().parseFromString("<div>" + html + "</div>", "text/html").body.firstChild;
    fresh.querySelectorAll("[data-photo] img").forEach(function (img) {
      var old = photos[img.closest("[data-photo]").getAttribute("data-photo")];
      if (old) {
        img.replaceWith(old);
      }
    });
    board.replaceChildren.apply(board, Array.prototype.slice.call(fresh.childNodes));
    syncClock();
    apply();
    tick();
    if (focused) {
      var again = board.querySelector('[data-key="' + focused + '"]');
      if (again) {
        again.focus({ preventScroll: true });
      }
    }
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    var url = board.getAttribute("data-rows-url");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        var path = new URL(url, window.location.href).pathname;
        if (!response.ok || new URL(response.url).pathname !== path) {
          throw new Error("board not updated");
        }
        return response.text();
      })
      .then(function (html) {
        swap(html);
        lastUpdate = clock();
        say("updated " + lastUpdate);
      })
      .catch(function () {
        say("not updated since " + lastUpdate + ": check the connection", true);
      });
  }

  syncClock();
  apply();
  tick();
  window.setInterval(tick, 1000);
  if (board.getAttribute("data-live")) {
    window.setInterval(refresh, REFRESH_MS);
  }
})();
