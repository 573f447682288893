/* The workshop room's own bits: the countdown, following the facilitator's focus and the
   proposal dialog. Live updates (refresh, resync, polling) are app.js's, as on every page;
   the room hears its events from it as "opmodel:room". */
(function () {
  "use strict";

  /* ---- the countdown: the server sends the end time, every browser counts locally ---- */
  var offset = 0;  // server clock minus this browser's clock, in ms
  function tick() {
    var el = document.querySelector(".timer[data-ends-at]");
    if (!el) return;
    var value = el.querySelector(".timer-value");
    if (el.dataset.serverNow && !el.dataset.synced) {
      offset = Date.parse(el.dataset.serverNow) - Date.now();
      el.dataset.synced = "1";
    }
    var left = Math.round((Date.parse(el.dataset.endsAt) - (Date.now() + offset)) / 1000);
    var bar = el.closest(".room-timer");
    if (left <= 0) {
      value.textContent = "Time’s up";
      bar.classList.add("is-over");
      bar.classList.remove("is-ending");
      return;
    }
    var m = Math.floor(left / 60), s = left % 60;
    value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    bar.classList.toggle("is-ending", left <= 60);
    bar.classList.remove("is-over");
  }
  setInterval(tick, 250);

  /* ---- focus: "bring everyone to me" ---- */
  var lastFocus = null;
  function applyFocus(key, scroll) {
    document.querySelectorAll(".room-section").forEach(function (el) {
      el.classList.toggle("is-focus", !!key && el.dataset.section === key);
    });
    if (key && scroll && key !== lastFocus) {
      var target = document.querySelector('.room-section[data-section="' + key + '"]');
      if (target) {
        target.scrollIntoView({ behavior: "smooth", block: "start" });
        target.classList.add("flash");
        setTimeout(function () { target.classList.remove("flash"); }, 1600);
      }
    }
    lastFocus = key || null;
  }

  document.addEventListener("opmodel:room", function (e) {
    var data = e.detail || {};
    if (Object.prototype.hasOwnProperty.call(data, "focus")) applyFocus(data.focus, true);
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var bar = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#room-bar");
    if (bar || (e.detail.elt && e.detail.elt.id === "room-bar")) {
      var el = document.getElementById("room-bar");
      applyFocus(el && el.dataset.focus, false);
      tick();
    }
  });

  /* ---- the proposal dialog: the steps of "propose a change" without leaving the room ---- */
  function closeDialog(el) {
    var dialog = el ? el.closest("dialog") : document.querySelector("dialog[open]");
    if (dialog && dialog.open) dialog.close();
  }
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    var dialog = target && target.closest && target.closest("dialog");
    if (dialog && !dialog.open && dialog.querySelector(".proposal-body")) {
      dialog.showModal();
      var first = dialog.querySelector(".proposal-body a, .proposal-body input:not([type=hidden]), .proposal-body textarea");
      if (first) first.focus();
    }
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest("[data-dialog-close]");
    if (close && close.closest("dialog")) { e.preventDefault(); closeDialog(close); }
  });
  document.addEventListener("opmodel:dialog-close", function () {
    closeDialog(null);
    var proposals = document.querySelector('[data-room-part="proposals"]');
    if (proposals && proposals.dataset.url) htmx.ajax("GET", proposals.dataset.url, { source: proposals, target: proposals, swap: "outerHTML" });
  });

  /* ---- panes: Sections, Notes, Proposals, Facilitate (a phone shows one at a time) ---- */
  function showPane(name, moveFocus) {
    var room = document.getElementById("room");
    if (!room) return;
    room.dataset.pane = name;
    room.classList.remove("is-side-collapsed");
    var toggle = room.querySelector("[data-side-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", "true");
    room.querySelectorAll("[data-pane-link]").forEach(function (a) {
      if (a.dataset.paneLink === name) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
    if (moveFocus) {
      var pane = document.getElementById(name === "stage" ? "room-stage" : "pane-" + name);
      if (pane) pane.focus({ preventScroll: true });
      if (window.matchMedia("(max-width: 720px)").matches) window.scrollTo(0, 0);
    }
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("[data-pane-link]");
    if (link) { e.preventDefault(); showPane(link.dataset.paneLink, true); return; }
    var toggle = e.target.closest && e.target.closest("[data-side-toggle]");
    if (toggle) {
      var room = document.getElementById("room");
      var collapsed = room.classList.toggle("is-side-collapsed");
      toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    }
  });

  /* The bar stays at the top: sections scroll to just below it, the side panel sticks under it. */
  function measureBar() {
    var bar = document.getElementById("room-bar");
    if (bar) document.documentElement.style.setProperty("--room-bar-h", bar.offsetHeight + "px");
  }
  window.addEventListener("resize", measureBar);
  document.addEventListener("htmx:afterSettle", measureBar);

  document.addEventListener("DOMContentLoaded", function () {
    var room = document.getElementById("room");
    if (room) { room.classList.add("js-tabs"); showPane("stage", false); }
    measureBar();
    var bar = document.getElementById("room-bar");
    if (bar) applyFocus(bar.dataset.focus, false);
    tick();
  });
})();
