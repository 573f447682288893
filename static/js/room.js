/* The workshop room's own bits: the countdown, following the facilitator's focus and the
   proposal dialog. Live updates (refresh, resync, polling) are app.js's, as on every page;
   the room hears its events from it as "opmodel:room". */
(function () {
  "use strict";

  function toast(text, kind) { if (window.opmodelToast) window.opmodelToast(text, kind); }
  function reducedMotion() { return window.matchMedia("(prefers-reduced-motion: reduce)").matches; }

  /* ---- time is up: seen (text, not colour alone), announced politely, and a chime only for
     those who asked for one (the bell button; remembered in this browser) ---- */
  function chimeOn() { try { return localStorage.getItem("opmodel-chime") === "1"; } catch (e) { return false; } }
  function syncChime() {
    document.querySelectorAll("[data-sound]").forEach(function (b) { b.setAttribute("aria-pressed", chimeOn() ? "true" : "false"); });
  }
  function chime() {
    if (!chimeOn()) return;
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no audio here */ }
  }

  /* ---- the countdown: the server sends the end time, every browser counts locally ---- */
  var offset = 0;  // server clock minus this browser's clock, in ms
  var runningFor = null;  // the end time this page has seen counting down
  var announced = {};  // end times already announced
  var openedAt = Date.now();
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
      // announced once, if it ran out while this page was open: seen counting down, or ended
      // after the page opened although the refresh that brought it landed late
      var end = el.dataset.endsAt;
      if (!announced[end] && (runningFor === end || Date.parse(end) - offset >= openedAt)) {
        announced[end] = true;
        runningFor = null;
        toast("Time is up for " + (el.dataset.block || "the timer") + ".", "live");
        chime();
      }
      return;
    }
    runningFor = el.dataset.endsAt;
    var m = Math.floor(left / 60), s = left % 60;
    value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    bar.classList.toggle("is-ending", left <= 60);
    bar.classList.remove("is-over");
  }
  setInterval(tick, 250);

  /* ---- focus: the facilitator brings everyone to a section or one item of it; a
     participant may stop following and come back with one click ---- */
  var lastFocus = null;
  var following = true;
  function roomId() { var r = document.getElementById("room"); return r ? r.dataset.workshop : ""; }
  try { following = sessionStorage.getItem("opmodel-follow-" + roomId()) !== "0"; } catch (e) { /* private mode */ }

  function flash(el, cls) {
    el.classList.add(cls);
    setTimeout(function () { el.classList.remove(cls); }, 1600);
  }
  /* The focus this page shows (the section is marked "is-focus", the item everyone is brought
     to "is-summoned"): state, not a moment. A list or a row swapped in (a section loaded late,
     a live refresh) gets its marks back (markFocus), so a mark is never lost to a swap or
     missed because it was shown for only a moment. */
  var shown = { key: "", item: "" };
  // an item's row: its part ("part-<section>-<id>"), or where a list shows it otherwise (a
  // table of journeys, every stage or step of every journey: data-item="<section>:<id>"; the
  // matrix's cells, thousands, carry only the id: data-i="<id>" inside the section's room-section)
  function itemRow(key, item) {
    if (!key || !item) return null;
    return document.getElementById("part-" + key.replace(/\./g, "-") + "-" + item)
      || document.querySelector('.room-sections [data-item="' + key + ":" + item + '"]')
      || document.querySelector('.room-section[data-section="' + key + '"] [data-i="' + item + '"]');
  }
  function markFocus() {
    document.querySelectorAll(".room-section").forEach(function (el) {
      el.classList.toggle("is-focus", !!shown.key && el.dataset.section === shown.key);
    });
    var row = itemRow(shown.key, shown.item);
    document.querySelectorAll(".room-sections .is-summoned").forEach(function (el) {
      if (el !== row) el.classList.remove("is-summoned");
    });
    if (row) row.classList.add("is-summoned");
    return row;
  }
  // The newest focus whose section is still on its way: gone to once its list is in. A newer
  // focus replaces it (or drops it), so an older summon landing late never takes anyone back.
  var focusOnLoad = null;
  function applyFocus(key, item, scroll, jump) {
    shown = { key: key || "", item: item ? String(item) : "" };
    var row = markFocus();
    var where = shown.key ? shown.key + ":" + shown.item : null;
    if (scroll && where !== lastFocus) {
      focusOnLoad = null;
      var lazy = shown.key ? document.querySelector('.room-section[data-section="' + shown.key + '"] .room-lazy') : null;
      if (lazy) {
        // not drawn yet: load it, then bring everyone to it (and to the item) once it is in, in
        // one jump (a smooth scroll would pass, and load, every section on the way)
        focusOnLoad = shown;
        lastFocus = where;
        htmx.trigger(lazy, "room:open");
        return;
      }
      if (shown.key) {
        if (window.matchMedia("(max-width: 720px)").matches) showPane("stage", false);
        var target = row || document.querySelector('.room-section[data-section="' + shown.key + '"]');
        if (target) {
          target.scrollIntoView({ behavior: reducedMotion() || jump ? "auto" : "smooth", block: row ? "center" : "start" });
          flash(target, row ? "is-arriving" : "flash");
        }
      }
    }
    lastFocus = where;
  }
  function barFocus() {
    var bar = document.getElementById("room-bar");
    return bar ? { key: bar.dataset.focus, item: bar.dataset.focusItem } : { key: "", item: "" };
  }
  function syncFollow(pending) {
    document.querySelectorAll("[data-follow]").forEach(function (b) {
      b.setAttribute("aria-pressed", following ? "true" : "false");
      b.textContent = following ? "Following the facilitator" : "Follow the facilitator";
    });
    document.querySelectorAll("[data-follow-back]").forEach(function (b) { b.hidden = following || !pending; });
  }
  var pendingFocus = false;
  function setFollowing(on) {
    following = on;
    try { sessionStorage.setItem("opmodel-follow-" + roomId(), on ? "1" : "0"); } catch (e) { /* private mode */ }
    if (on) { var f = barFocus(); lastFocus = null; applyFocus(f.key, f.item, true); pendingFocus = false; }
    syncFollow(pendingFocus);
  }

  /* ---- what others do, said to screen readers without moving anyone's focus: a summary
     every two seconds at most, not one announcement per event of a busy room ---- */
  var WORDS = { notes: "notes", proposals: "proposals", bar: "the workshop's status" };
  var heard = {}, who = [], announceTimer = null;
  function announce(data) {
    var me = document.getElementById("main").dataset.user;
    // one's own change, also one that names nobody (an anonymous or private note: only the
    // author's own stream is told it is theirs, "own")
    if (String(data.actor_id) === me || data.own) return;
    var named = false;
    (data.parts || []).forEach(function (p) { if (WORDS[p]) { heard[p] = (heard[p] || 0) + 1; named = true; } });
    // who did it, when the event says (an anonymous or private note names nobody)
    if (named && data.actor && who.indexOf(data.actor) < 0) who.push(data.actor);
    if (announceTimer || !Object.keys(heard).length) return;
    announceTimer = setTimeout(function () {
      var said = Object.keys(heard).map(function (p) { return WORDS[p] + " (" + heard[p] + ")"; });
      if (window.opmodelSay) window.opmodelSay("Updated: " + said.join(", ") + (who.length ? ", by " + who.join(", ") : "") + ".");
      heard = {}; who = []; announceTimer = null;
    }, 2000);
  }

  document.addEventListener("opmodel:room", function (e) {
    var data = e.detail || {};
    announce(data);
    if (Object.prototype.hasOwnProperty.call(data, "focus")) {
      var me = document.getElementById("main").dataset.user;
      if (following || String(data.actor_id) === me) applyFocus(data.focus, data.focus_item, true);
      else { pendingFocus = !!data.focus; syncFollow(pendingFocus); }
    }
    if (data.nudge && String(data.actor_id) !== document.getElementById("main").dataset.user) {
      var dots = document.getElementById("room-dots");
      var left = dots ? Number(dots.dataset.left || 0) : 0;
      if (dots && left > 0) {
        toast("The facilitator asks you to place your dots: " + left + " left.", "live");
        flash(dots, "flash");
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var bar = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#room-bar");
    if (bar || (e.detail.elt && e.detail.elt.id === "room-bar")) {
      var f = barFocus();
      if (following) applyFocus(f.key, f.item, false);
      syncFollow(pendingFocus);
      syncChime();
      tick();
    }
  });

  /* ---- lazy sections: the room draws the focus section; every other one is a placeholder
     that loads its list when it comes into view (htmx "intersect") or its "Show" link is
     followed. Once in, a list is live like any other (data-live-section). ---- */
  var lazyFocus = null, lazyChanged = {};
  document.addEventListener("click", function (e) {
    var open = e.target.closest && e.target.closest("[data-lazy-open]");
    var lazy = open && open.closest(".room-lazy");
    if (!lazy) return;
    e.preventDefault();
    htmx.trigger(lazy, "room:open");
  });
  // A change heard while a list is on its way may be missing from it: fetch it again once in.
  document.addEventListener("htmx:sseMessage", function (e) {
    if (!e.detail || e.detail.type !== "change") return;
    document.querySelectorAll(".room-lazy.htmx-request").forEach(function (el) { lazyChanged[el.id] = true; });
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.matches || !target.matches(".room-lazy")) return;
    var a = document.activeElement;
    // the keyboard was on the placeholder (its "Show" link): it goes to the list's heading
    if (a && a !== document.body && target.contains(a)) lazyFocus = target.closest(".room-section").id;
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    var elt = e.detail.elt;
    var holder = elt && elt.closest && elt.closest(".room-section");
    if (!holder) return;
    markFocus();  // a list or a row swapped in: its marks back
    if (elt.matches(".room-lazy") || holder.querySelector(".room-lazy")) return;
    var lazyId = "room-lazy-" + holder.id.replace(/^room-section-/, "");
    if (lazyChanged[lazyId]) {
      delete lazyChanged[lazyId];
      var live = holder.querySelector("[data-live-section][data-url]");
      if (live) htmx.ajax("GET", live.dataset.url, { source: live, target: live, swap: "outerHTML" });
    }
    if (lazyFocus === holder.id) {
      lazyFocus = null;
      var heading = holder.querySelector("h2, h3");
      if (heading) {
        if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
    if (focusOnLoad && holder.dataset.section === focusOnLoad.key) {
      var f = focusOnLoad;
      focusOnLoad = null;
      lastFocus = null;
      applyFocus(f.key, f.item, true, true);
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
    if (e.target.closest && e.target.closest("[data-follow]")) { setFollowing(!following); return; }
    if (e.target.closest && e.target.closest("[data-follow-back]")) { setFollowing(true); return; }
    if (e.target.closest && e.target.closest("[data-sound]")) {
      try { localStorage.setItem("opmodel-chime", chimeOn() ? "0" : "1"); } catch (err) { /* private mode */ }
      syncChime();
      if (chimeOn()) chime();  // the click is the consent, and lets the browser play sound
      return;
    }
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
    var f = barFocus();
    applyFocus(f.key, f.item, false);
    syncFollow(false);
    syncChime();
    tick();
  });
})();
