/* The workshop room: live partials, the countdown, focus and presence.
   The room works without JavaScript (every form posts and comes back); this makes it live. */
(function () {
  "use strict";

  function toast(text, kind) { if (window.opmodelToast) window.opmodelToast(text, kind); }

  function parts() { return document.querySelectorAll("[data-room-part]"); }

  function isBusy(el) {
    // Someone is typing in it, or a request sent from inside it is on its way: replacing it now
    // would detach the element whose answer htmx is about to swap (htmx:targetError).
    var a = document.activeElement;
    if (a && el.contains(a) && a.matches("input[type=text], textarea, select")) return true;
    return el.classList.contains("htmx-request") || !!el.querySelector(".htmx-request");
  }

  function refresh(el) {
    if (!el || !el.dataset.url) return;
    if (isBusy(el)) { el.dataset.stale = "1"; return; }  // never under someone's hands
    delete el.dataset.stale;
    el.dataset.roomRefreshing = "1";
    htmx.ajax("GET", el.dataset.url, { source: el, target: el, swap: "outerHTML" });
  }

  /* A click sent a request from inside a part while its refresh was on the way: swapping the
     refresh in would detach the element that request answers to (htmx:targetError, and the
     answer lost). Keep the part; it is refreshed once that answer is in (afterRequest). */
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.dataset || !target.dataset.roomRefreshing) return;
    delete target.dataset.roomRefreshing;
    if (target.querySelector(".htmx-request")) {
      e.detail.shouldSwap = false;
      target.dataset.stale = "1";
    }
  });

  function refreshPart(name) {
    refresh(document.querySelector('[data-room-part="' + name + '"]'));
  }

  function resyncRoom() { parts().forEach(refresh); }

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

  /* ---- live events ---- */
  var opened = false, poll = null;
  document.addEventListener("htmx:sseMessage", function (e) {
    var msg = e.detail;
    if (msg && msg.type === "poll") {  // live events paused (Redis is away): poll meanwhile
      if (!poll) poll = setInterval(resyncRoom, 5000);
      return;
    }
    if (!msg || msg.type !== "room") return;
    var data;
    try { data = JSON.parse(msg.data); } catch (err) { return; }
    if (data.reload) { resyncRoom(); }
    else { (data.parts || []).forEach(refreshPart); }
    if (Object.prototype.hasOwnProperty.call(data, "focus")) applyFocus(data.focus, true);
  });

  document.addEventListener("htmx:sseOpen", function () {
    if (poll) { clearInterval(poll); poll = null; }
    if (opened) resyncRoom();  // back after a blip: what did we miss?
    opened = true;
  });
  document.addEventListener("htmx:sseError", function () {
    if (!poll) poll = setInterval(resyncRoom, 5000);  // the stream is down: poll
  });

  /* A stale partial is refreshed once the person leaves the field they were typing in. */
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      document.querySelectorAll("[data-room-part][data-stale]").forEach(refresh);
    }, 50);
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var bar = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#room-bar");
    if (bar || (e.detail.elt && e.detail.elt.id === "room-bar")) {
      var el = document.getElementById("room-bar");
      applyFocus(el && el.dataset.focus, false);
      tick();
    }
  });

  /* A note that was saved clears its form; one that was not keeps every word. */
  document.addEventListener("htmx:afterRequest", function (e) {
    // A part skipped while its own request was out is refreshed once the answer has settled.
    setTimeout(function () {
      document.querySelectorAll("[data-room-part][data-stale]").forEach(refresh);
    }, 150);
    var form = e.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && e.detail.successful) {
      form.reset();
      var text = form.querySelector("textarea");
      if (text) text.focus();
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
    refreshPart("proposals");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.getElementById("room-bar");
    if (bar) applyFocus(bar.dataset.focus, false);
    tick();
  });
})();
