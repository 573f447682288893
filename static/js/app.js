/* opmodel: live updates, drag-and-drop reordering, keyboard shortcuts and feedback.
   Everything here enhances pages that work without JavaScript. */
(function () {
  "use strict";

  /* The page's one polite live region (#live-toasts, base.html) says everything a screen
     reader should hear of what happens without the person's doing: others' changes, the room's
     summaries, notices, errors. A toast is seen and heard; "say" is heard only (the room's
     summaries, a server message that came with the page, a search's answer). Neither moves
     anyone's focus. */
  function toast(text, kind) {
    var box = document.getElementById("live-toasts");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "toast toast-" + (kind || "info");
    p.textContent = text;
    box.appendChild(p);
    dismiss(p, 4000);
  }

  function say(text) {
    var box = document.getElementById("live-toasts");
    if (!box || !text) return;
    var p = document.createElement("p");
    p.className = "visually-hidden said";
    p.textContent = text;
    box.appendChild(p);
    setTimeout(function () { p.remove(); }, 4000);
  }

  // A toast fades, then leaves the page: a faded one must never sit over a button and take
  // its clicks (it takes no pointer events while fading either, see app.css).
  function dismiss(t, after) {
    setTimeout(function () {
      t.classList.add("fade");
      setTimeout(function () {
        var box = t.parentNode;
        t.remove();
        if (box && box.id !== "live-toasts" && !box.children.length) box.remove();
      }, 600);
    }, after);
  }

  var again = {};  // ids of rows to fetch again once the request on its way has landed

  function cssId(s) { return s.replace(/\./g, "-"); }

  function isEditing(el) {
    return !!(el && (el.matches(".part-form-wrap, .part-confirm") || el.querySelector(".part-form-wrap, .part-confirm")));
  }

  /* The keyboard is in a field inside the element (a note being grouped, a picker open). */
  function isTyping(el) {
    var a = document.activeElement;
    return !!(a && a !== el && el.contains(a) && a.matches("input[type=text], input:not([type]), textarea, select"));
  }

  function refresh(el) {
    if (!el || !el.dataset.url) return;
    el.dataset.refreshing = "1";  // checked again when the answer lands (htmx:beforeSwap)
    // The element itself is the request's source: htmx queues requests per source element
    // (keeping only the last), so several refreshes issued at once must not share one.
    htmx.ajax("GET", el.dataset.url, { source: el, target: el, swap: "outerHTML" });
  }

  /* A request of this page is on its way from inside the element: replacing the element now
     would detach the request's source, and htmx could no longer place the answer. */
  function isBusy(el) {
    return !!(el && (el.matches(".htmx-request") || el.querySelector(".htmx-request")));
  }

  /* What a page refreshes as a whole when it is told to: a section ([data-live-section]) or a
     part of a room ([data-room-part]); both carry their own URL. */
  var LIVE = "[data-live-section], [data-room-part]";

  function refreshSection(section) {
    if (isEditing(section) || isBusy(section) || isTyping(section)) {
      section.dataset.stale = "1";  // refreshed once the open form closes or the answer lands
      return;
    }
    delete section.dataset.stale;
    refresh(section);
  }

  /* A region that shows something derived from sections (a health panel, a health chip, a
     share link's comment counter) declares what it depends on with data-live-summary="<section
     keys or room parts>" and its page's URL (data-url): it is refreshed whole, taken from a fresh
     copy of that page (one fetch per page, however many regions it holds). A region that is
     itself a live section (data-live-section) declares data-live-summary without a value: it is
     refreshed whole with its own section, never row by row (see onChange). */
  var summaryBusy = {}, summaryAgain = {};
  function refreshSummaries(names) {
    var byUrl = {};
    names.forEach(function (name) {
      if (!name) return;
      document.querySelectorAll('[data-live-summary~="' + name + '"]').forEach(function (el) {
        if (el.hasAttribute("data-live-section") || !el.id || !el.dataset.url) return;
        var ids = byUrl[el.dataset.url] = byUrl[el.dataset.url] || [];
        if (ids.indexOf(el.id) < 0) ids.push(el.id);
      });
    });
    Object.keys(byUrl).forEach(function (url) { fetchRegions(url, byUrl[url]); });
  }

  function fetchRegions(url, ids) {
    // (aria-busy: the region is being brought up to date; a fresh copy comes without it)
    ids.forEach(function (id) { var el = document.getElementById(id); if (el) el.setAttribute("aria-busy", "true"); });
    if (summaryBusy[url]) {  // an older answer is on its way: ask again once it has landed
      summaryAgain[url] = (summaryAgain[url] || []).concat(ids);
      return;
    }
    summaryBusy[url] = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (!fresh || !old || isTyping(old)) return;
          fresh = document.importNode(fresh, true);
          var wasOpen = openIds(old);
          old.replaceWith(fresh);
          reopen(wasOpen);
          htmx.process(fresh);
        });
      })
      .catch(function () {})
      .then(function () {
        ids.forEach(function (id) { var el = document.getElementById(id); if (el) el.removeAttribute("aria-busy"); });
        delete summaryBusy[url];
        var more = summaryAgain[url];
        delete summaryAgain[url];
        if (more) fetchRegions(url, more);
      });
  }

  /* The last change heard of each row ("section:id", as its data-part says): its revision and
     who made it. An edit form drawn before a change but landing after it (someone clicked
     "Edit" as the change was being made: the form's request was on its way when the event came)
     is as outdated as a form that was open, and must say so too: a form is checked when it
     lands (htmx:load), not only when an event comes. */
  var lastChange = {};

  function remember(data) {
    var key = data.section + ":" + data.id, seen = lastChange[key];
    if (!seen || Number(seen.revision) < Number(data.revision)) lastChange[key] = data;
  }

  /* Each open edit form in or at ``el`` that is older than the last change heard of its row
     says who changed it, once per change, in the form and in the one live region. A person's
     own change says nothing. */
  function sayIfOutdated(el) {
    var me = document.getElementById("main").dataset.user, said = null;
    var wraps = Array.prototype.slice.call(el.querySelectorAll(".part-form-wrap[data-part]"));
    if (el.matches(".part-form-wrap[data-part]")) wraps.push(el);
    wraps.forEach(function (wrap) {
      var change = lastChange[wrap.dataset.part];
      var form = wrap.querySelector("form[data-revision]"), notice = wrap.querySelector(".live-notice");
      if (!change || !form || !notice || String(change.actor_id) === me) return;
      if (!(Number(form.dataset.revision) < Number(change.revision))) return;
      if (notice.dataset.revision === String(change.revision)) return;  // said already
      notice.dataset.revision = String(change.revision);
      notice.hidden = false;
      notice.textContent = (change.actor ? change.actor + " just changed this." : "This was changed while your live updates were away.") +
        " If you save, you will see both versions and nothing is lost.";
      said = notice.textContent;
    });
    if (said) say(said);
  }

  document.addEventListener("htmx:load", function (e) {
    if (e.detail.elt && e.detail.elt.querySelectorAll) sayIfOutdated(e.detail.elt);
  });

  /* A change event names a section, a row and its revision. The browser re-fetches the partials
     it shows, through its own permissions; an open form is never replaced under someone's hands. */
  function onChange(data) {
    var me = document.getElementById("main").dataset.user;
    if (data.action === "updated" && data.id) remember(data);
    // A section may be shown several times (e.g. per squad), or only as part of a bigger view.
    var sections = document.querySelectorAll('[data-live-section~="' + data.section + '"]');
    var item = data.id ? document.getElementById("part-" + cssId(data.section) + "-" + data.id) : null;
    refreshSummaries([data.section]);
    if (!sections.length && !item) return;
    var section = sections[0] || item;
    // A region that also shows something derived from its rows (the north star banner above
    // the metrics) declares it with data-live-summary: it is refreshed whole, never row by row.
    var summarised = Array.prototype.some.call(sections, function (s) {
      return s.hasAttribute("data-live-summary") && item && s.contains(item);
    });
    // (an open form in place of the row has no URL of its own but must hear of the change)
    if (data.action === "updated" && item && !summarised && (item.dataset.url || isEditing(item))) {
      // A region that declares the section but does not hold the row shows something derived
      // from it (a squad's name on an interaction, a stage's name on a step): refresh it whole.
      sections.forEach(function (s) { if (!s.contains(item)) refreshSection(s); });
      if (isEditing(item)) { sayIfOutdated(item); return; }
      // A request for it is on its way (maybe an older refresh): fetch again once it lands, or
      // the older answer would be the last word.
      if (isBusy(item)) again[item.id] = true; else refresh(item);
    } else {
      // Added, deleted, moved, or changed somewhere this page summarises rather than lists.
      sections.forEach(refreshSection);
    }
    if (String(data.actor_id) !== me) {
      var verbs = { created: "added to", updated: "changed", deleted: "removed from", moved: "reordered" };
      var title = section.getAttribute("aria-label") || ((section.querySelector("h2") || {}).textContent || "the model").trim();
      toast(data.actor + " " + (verbs[data.action] || data.action) + " " + title, "live");
    }
  }

  /* Someone may have opened a form, or sent a request, while a refresh was on its way: keep
     what they have and refresh once they are done. */
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.dataset || !target.dataset.refreshing) return;
    delete target.dataset.refreshing;
    if (isEditing(target) || target.querySelector(".htmx-request")) {
      e.detail.shouldSwap = false;
      if (target.matches(LIVE)) target.dataset.stale = "1";
    } else if (target.dataset.stale && target.id) {
      // A change came while this answer was on its way, so the answer may predate it; the
      // element that knew (data-stale) is being replaced: fetch again once this one lands.
      again[target.id] = true;
    }
  });

  /* Events that came while the stream was away are lost (no Last-Event-ID): an open edit form
     asks for its row as it is now (its "Cancel" link's URL) and says so if the row moved on
     meanwhile. Who changed it came with the lost event only. */
  function recheckOpenForms() {
    document.querySelectorAll(".part-form-wrap[data-part]").forEach(function (wrap) {
      var part = wrap.dataset.part, back = wrap.querySelector(".form-actions a[hx-get]");
      if (!back || !wrap.querySelector("form[data-revision]")) return;
      fetch(back.getAttribute("hx-get"), { credentials: "same-origin", cache: "no-store", headers: { "HX-Request": "true", Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          var doc = html && new DOMParser().parseFromString(html, "text/html");
          var row = doc && doc.querySelector('[data-part="' + CSS.escape(part) + '"][data-revision]');
          if (!row) return;
          var at = part.lastIndexOf(":");
          remember({ section: part.slice(0, at), id: part.slice(at + 1), revision: Number(row.dataset.revision), actor: null, actor_id: null });
          var open = document.querySelector('.part-form-wrap[data-part="' + CSS.escape(part) + '"]');
          if (open) sayIfOutdated(open);
        })
        .catch(function () {});
    });
  }

  /* After a reconnect (events were missed) or while polling: fetch everything live we show. */
  function resyncAll() {
    recheckOpenForms();
    document.querySelectorAll(LIVE).forEach(refreshSection);
    var names = [];
    document.querySelectorAll("[data-live-summary]").forEach(function (el) {
      names = names.concat((el.dataset.liveSummary || "").split(/\s+/));
    });
    refreshSummaries(names);
  }

  function refreshStale() {
    document.querySelectorAll("[data-live-section][data-stale], [data-room-part][data-stale]").forEach(refreshSection);
  }

  /* An event that adds one item to a long list (a note) names it: a part that knows how
     (data-append-url, with 0 for the id, and a [data-append-here] list) fetches just that
     item and appends it, instead of the whole list. Anything unusual: refresh the part. */
  function appendItem(part, item) {
    if (!item || item.part !== part.dataset.roomPart || !part.dataset.appendUrl) return false;
    var list = part.querySelector("[data-append-here]");
    if (!list) return false;
    var id = part.dataset.appendId + Number(item.id);
    if (document.getElementById(id)) return true;  // here already (one's own, or on its way)
    // A placeholder of its own is each fetch's source and target: htmx keeps only the last
    // of the requests queued on one element, and several notes may come at once.
    var slot = document.createElement("li");
    slot.id = id;
    slot.hidden = true;
    list.appendChild(slot);
    var url = part.dataset.appendUrl.replace(/\/0\/$/, "/" + Number(item.id) + "/");
    htmx.ajax("GET", url, { source: slot, target: slot, swap: "outerHTML" });
    return true;
  }

  /* A room event names the room's parts that changed (or asks for all of them); page scripts
     hear it as "opmodel:room" (the room moves everyone to the facilitator's focus). */
  function onRoom(data) {
    // A new phase changes what the whole room offers (the note form, "Propose"): load it again.
    var room = document.querySelector("[data-room][data-phase]");
    if (data.phase && room && room.dataset.phase !== data.phase) { window.location.reload(); return; }
    if (data.reload) resyncAll();
    else refreshSummaries(data.parts || []);
    if (!data.reload) (data.parts || []).forEach(function (name) {
      document.querySelectorAll('[data-room-part="' + name + '"]').forEach(function (part) {
        if (!appendItem(part, data.append)) refreshSection(part);
      });
    });
    document.dispatchEvent(new CustomEvent("opmodel:room", { detail: data }));
  }

  var pollTimer = null;
  var opened = false;
  function setStatus(state, label) {
    var el = document.getElementById("live-status");
    if (!el) return;
    // Said in the one live region only when it is news: the updates stopped, or came back.
    var was = el.dataset.state;
    if (state === "offline" && was !== "offline") say("Live updates paused: " + label);
    if (state === "live" && was === "offline") say("Live updates are back.");
    el.dataset.state = state;
    el.querySelector(".label").textContent = label;
  }

  /* The stream is live once its first words ("hello") come, not when it opens: the server
     sends its headers before it subscribes to the model's events (and, with Redis, before
     Redis confirmed), so a change made between the two would never reach a page that already
     said "Live". A stream that can only say "poll" never says hello, so it is never "Live"
     (and "Live updates are back" is not said every few seconds while Redis is away). */
  function onHello() {
    setStatus("live", "Live");
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    // A reconnecting stream has missed events (no Last-Event-ID): fetch what we show.
    if (opened) resyncAll();
    opened = true;
  }
  document.addEventListener("htmx:sseError", function () {
    setStatus("offline", "Reconnecting…");
    if (!pollTimer) pollTimer = setInterval(resyncAll, 5000);  // fall back to polling
  });
  /* An export moved on (progress, done, failed): re-fetch its row where the page shows it. */
  function onExport(data) {
    var row = document.getElementById("export-" + data.id);
    if (row && row.dataset.url) refresh(row);
  }

  document.addEventListener("htmx:sseMessage", function (e) {
    var msg = e.detail;
    if (msg && msg.type === "poll") {
      // The server cannot deliver live events (Redis is away): it ends the stream, we poll, and
      // the stream's reconnects (every few seconds) find out when events flow again.
      setStatus("offline", "Polling");
      if (!pollTimer) pollTimer = setInterval(resyncAll, 5000);
      return;
    }
    if (!msg) return;
    try {
      if (msg.type === "hello") onHello();
      else if (msg.type === "change") onChange(JSON.parse(msg.data));
      else if (msg.type === "export") onExport(JSON.parse(msg.data));
      else if (msg.type === "room") onRoom(JSON.parse(msg.data));
    } catch (err) { console.error(err); }
  });

  /* The server names what a request did; say it briefly. */
  document.addEventListener("opmodel:notice", function (e) {
    if (e.detail && e.detail.text) toast(e.detail.text, "success");
  });
  document.addEventListener("opmodel:error", function (e) {
    if (e.detail && e.detail.text) toast(e.detail.text, "error");
  });
  window.opmodelToast = toast;  // for page scripts (e.g. the workshop room)
  window.opmodelSay = say;

  /* A region whose answer someone asked for (data-say: the matrix's "Who is accountable when"):
     its new words are said in the one live region once it lands. */
  document.addEventListener("htmx:afterSettle", function (e) {
    var t = e.detail.target;
    if (!t || !t.id || !t.matches || !t.matches("[data-say]")) return;
    var el = document.getElementById(t.id);  // an outerHTML swap put a new one in its place
    if (el) say(el.textContent.replace(/\s+/g, " ").trim());
  });
  /* A row whose state is news when it changes (data-say-state: an export queued, running, done,
     failed) says its new state then, not at every refresh. */
  document.addEventListener("htmx:afterSettle", function (e) {
    var t = e.detail.target;
    if (!t || !t.id || !t.dataset || t.dataset.sayState === undefined) return;
    var el = document.getElementById(t.id);
    if (!el || el === t || el.dataset.sayState === t.dataset.sayState) return;
    var what = el.querySelector("strong"), state = el.querySelector(".export-state");
    say(((what ? what.textContent + ": " : "") + (state ? state.textContent : "")).replace(/\s+/g, " ").trim());
  });

  /* Feedback for refused requests that htmx does not swap. */
  document.addEventListener("htmx:responseError", function (e) {
    var s = e.detail.xhr.status;
    var text = s === 403 ? "Your role does not let you change this." :
               s === 404 ? "That item no longer exists: it may have been deleted." :
               "Something went wrong (" + s + "). Nothing was lost: try again.";
    toast(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Your input is still here: try again.", "error");
  });

  /* A disclosure someone opened (a picture's text twin) stays open when a live refresh replaces
     what holds it. */
  var openDetails = [];
  function openIds(root) {
    var ids = Array.prototype.map.call(root.querySelectorAll("details[open][id]"), function (d) { return d.id; });
    if (root.matches && root.matches("details[open][id]")) ids.push(root.id);
    return ids;
  }
  function reopen(ids) {
    ids.forEach(function (id) { var d = document.getElementById(id); if (d && d.tagName === "DETAILS") d.open = true; });
  }
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.shouldSwap && e.detail.target && e.detail.target.querySelectorAll) openDetails = openDetails.concat(openIds(e.detail.target));
  });
  document.addEventListener("htmx:afterSettle", function () { reopen(openDetails); openDetails = []; });

  /* Keep keyboard focus on the control that moved an item. */
  var lastFocus = null, refocus = null;
  document.addEventListener("htmx:beforeRequest", function () {
    lastFocus = document.activeElement && document.activeElement.id;
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var active = document.activeElement, target = e.detail.target;
    if (!e.detail.shouldSwap || !active || active === document.body || !target || !target.contains(active)) return;
    var holder = active.id ? active : active.closest("[id]");
    if (holder && target.contains(holder)) refocus = { id: holder.id, self: holder === active, place: target.id, label: active.getAttribute("aria-label") };
  });

  /* The control that had the keyboard is gone with what it edited (a form saved or cancelled,
     a row added): the keyboard goes to the same place in the new content, that is the row's own
     "Edit" (the trigger), else the row, else the list's "Add" (after adding), never the page's top. */
  /* Focus the first of these that takes it (a hidden control does not). */
  function focusFirst(candidates) {
    for (var i = 0; i < candidates.length; i++) {
      var c = candidates[i];
      if (!c) continue;
      c.focus();
      if (document.activeElement === c) return true;
    }
    return false;
  }
  function placeFocus(placeId, swapped) {
    var place = placeId && document.getElementById(placeId);
    var where = place || (swapped && swapped.nodeType === 1 ? swapped : null);
    if (!where) return;
    var control = where.querySelector('.controls a[aria-label^="Edit"], .add-btn') ||
      (where.hasAttribute("tabindex") ? where : where.querySelector("a[href], button, input, select, textarea"));
    if (control) control.focus();
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail.elt;
    if (lastFocus && (!document.activeElement || document.activeElement === document.body)) {
      var el = document.getElementById(lastFocus);
      if (el) el.focus();
    }
    // The focused control was swapped out (a cell back from its picker, a section refreshed
    // live): the keyboard goes back to the same place in the new content.
    if (refocus && (!document.activeElement || document.activeElement === document.body)) {
      var holder = document.getElementById(refocus.id);
      var candidates = !holder ? [] : refocus.self ? [holder] : [].concat(
        refocus.label ? Array.prototype.slice.call(holder.querySelectorAll('[aria-label="' + CSS.escape(refocus.label) + '"]')) : [],
        Array.prototype.slice.call(holder.querySelectorAll("a[href], button, input, select, textarea")),
        holder.hasAttribute("tabindex") ? [holder] : []);
      if (!focusFirst(candidates)) placeFocus(refocus.place, target);
    }
    refocus = null;
    var first = target && target.querySelector && target.querySelector(".part-form input:not([type=hidden]), .part-form textarea, .part-form select");
    if (first && target.matches && target.matches(".part-form-wrap")) first.focus();
    refreshStale();
    Object.keys(again).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) { delete again[id]; return; }
      if (!isBusy(el) && !isEditing(el)) { delete again[id]; refresh(el); }
    });
  });

  /* A part skipped while someone typed in it is refreshed once they leave the field. */
  document.addEventListener("focusout", function () { setTimeout(refreshStale, 50); });

  /* A form that was saved clears itself (a note); one that was refused keeps every word. */
  document.addEventListener("htmx:afterRequest", function (e) {
    // A part skipped while its own request was out is refreshed once the answer has landed
    // (also when it was refused and nothing was swapped).
    setTimeout(refreshStale, 150);
    var form = e.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && e.detail.successful) {
      form.reset();
      var text = form.querySelector("textarea");
      if (text) text.focus();
    }
  });

  /* Drag and drop (SortableJS); the move buttons are the keyboard way. */
  function initSortables(root) {
    if (!window.Sortable) return;
    root.querySelectorAll("[data-reorder-url]").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        handle: ".drag-handle",
        draggable: ".part",
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 150,
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) return;
          var ids = Array.prototype.map.call(list.querySelectorAll(":scope > .part"), function (li) { return li.dataset.id; });
          var values = { order: ids };
          if (list.dataset.group) values.group = list.dataset.group;
          var section = list.closest("[data-live-section]");
          htmx.ajax("POST", list.dataset.reorderUrl, { target: section, swap: "outerHTML", values: values });
        }
      });
    });
  }

  /* Ctrl/Cmd+Enter saves the open form, Escape cancels it (and closes a matrix cell's picker). */
  document.addEventListener("keydown", function (e) {
    // Escape closes an open menu (a <details> disclosure) and gives the keyboard back to it.
    var menu = e.key === "Escape" && e.target.closest && e.target.closest("details[open]");
    if (menu && !e.target.closest(".part-form, form.picker")) {
      e.preventDefault();
      menu.open = false;
      menu.querySelector("summary").focus();
      return;
    }
    var picker = e.key === "Escape" && e.target.closest && e.target.closest("form.picker");
    if (picker) {
      var back = picker.querySelector(".picker-cancel");
      if (back) { e.preventDefault(); htmx.process(back); back.click(); }
      return;
    }
    var form = e.target.closest && e.target.closest(".part-form");
    if (!form) return;
    // A form just swapped in is wired up by htmx only as the swap settles (20 ms later): a key
    // pressed before that would trigger a "submit" nobody listens to, and the edit would be lost.
    htmx.process(form);
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      htmx.trigger(form, "submit");
    } else if (e.key === "Escape") {
      var cancel = form.querySelector(".form-actions a.btn");
      if (cancel) { e.preventDefault(); cancel.click(); }
    }
  });

  /* A row's move buttons submit the page's one move form (#row-move) with only the row they
     move (up=<section>:<id>): the button that submitted it says which. */
  document.addEventListener("htmx:configRequest", function (e) {
    var submitter = e.detail.triggeringEvent && e.detail.triggeringEvent.submitter;
    if (e.detail.elt.id === "row-move" && submitter && submitter.name) e.detail.parameters[submitter.name] = submitter.value;
  });

  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
    /* A row's Edit is a plain link (no htmx attributes on each of hundreds of rows): with
       JavaScript its form opens in place of the row. */
    var control = e.target.closest(".controls > a.i-edit");
    if (control && !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button)) {
      e.preventDefault();
      htmx.ajax("GET", control.getAttribute("href"), { source: control, target: control.closest(".part"), swap: "outerHTML" });
      return;
    }
    var cell = gridCell(e.target);
    if (cell && !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button)) pick(cell);
  });

  /* The accountability matrix: a cell is one element with no URL (the large model's shows
     4,500). An editable cell's URL is "<the table's data-cells><capability>/<squad>/" (its id
     is cell-<capability>-<squad>); a click or Enter opens its role picker in place. The
     keyboard moves through the editable cells with the arrows, Home and End (a roving
     tabindex: one cell of the grid is in the Tab order), and the focused cell is named
     "<role>: <squad> for <capability>". Without JavaScript a capability's name leads to its
     roles squad by squad, each a link to its cell's page. */
  var rovingCell = null;
  function gridCell(el) {
    var cell = el && el.closest && el.closest("td.cell.editable:not(.picking)");
    return cell && cell.closest("table[data-cells]") ? cell : null;
  }
  function pick(cell) {
    var ids = cell.id.split("-"), table = cell.closest("table[data-cells]");
    htmx.ajax("GET", table.dataset.cells + ids[1] + "/" + ids[2] + "/?pick=1", { source: cell, target: cell, swap: "outerHTML" });
  }
  function nameCell(cell) {
    var table = cell.closest("table"), role = /role-(\w+)/.exec(cell.className);
    var head = table.tHead && table.tHead.rows[0] && table.tHead.rows[0].cells[cell.cellIndex];
    var cap = cell.parentNode.querySelector(".cap-name");
    var squad = head ? head.textContent.trim() : "", what = cap ? cap.textContent.trim() : "";
    cell.setAttribute("aria-label", (role ? role[1].charAt(0).toUpperCase() + role[1].slice(1) : "No role") +
      (squad && what ? ": " + squad + " for " + what : ""));
  }
  function rove(cell) {
    var table = cell.closest("table");
    table.querySelectorAll('td[tabindex="0"]').forEach(function (td) { if (td !== cell) td.setAttribute("tabindex", "-1"); });
    cell.setAttribute("tabindex", "0");
    rovingCell = cell.id;
  }
  // one cell of each grid in the Tab order: the one the keyboard was on (a refreshed matrix, a
  // cell back from its picker), else the first editable one
  function initGrids(root) {
    if (!root.querySelectorAll) return;
    if (gridCell(root)) { rove(root); return; }
    root.querySelectorAll("table[data-cells]").forEach(function (table) {
      var last = rovingCell && document.getElementById(rovingCell);
      var cell = last && table.contains(last) && gridCell(last) ? last : table.querySelector("td.cell.editable");
      if (cell) rove(cell);
    });
  }
  document.addEventListener("focusin", function (e) {
    var cell = gridCell(e.target);
    if (cell && e.target === cell) { nameCell(cell); rove(cell); }
  });
  document.addEventListener("keydown", function (e) {
    var cell = gridCell(e.target);
    if (!cell || e.target !== cell || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(cell); return; }
    var row = cell.parentNode, next = null, i;
    if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") {
      var cells = Array.prototype.filter.call(row.cells, function (td) { return gridCell(td); });
      i = cells.indexOf(cell);
      next = e.key === "Home" ? cells[0] : e.key === "End" ? cells[cells.length - 1] : cells[i + (e.key === "ArrowLeft" ? -1 : 1)];
    } else if (e.key === "ArrowUp" || e.key === "ArrowDown") {
      var rows = Array.prototype.slice.call(cell.closest("table").querySelectorAll("tr.m-row"));
      var step = e.key === "ArrowUp" ? -1 : 1;
      for (i = rows.indexOf(row) + step; i >= 0 && i < rows.length && !next; i += step) next = gridCell(rows[i].cells[cell.cellIndex]);
    } else return;
    e.preventDefault();
    if (next && next !== cell) { rove(next); next.focus(); }
  });

  /* A section shown read-only inside another view ([data-live-frozen]: the share page) is
     refreshed with that view, never through its own URL (which is the editable one, for members). */
  function freeze(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-live-frozen] [data-live-section], [data-live-frozen] [data-url]").forEach(function (el) {
      el.removeAttribute("data-live-section");
      el.removeAttribute("data-url");
    });
  }

  document.addEventListener("htmx:load", function (e) { freeze(e.detail.elt); initSortables(e.detail.elt); initGrids(e.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () {
    freeze(document);
    initSortables(document);
    initGrids(document);
    document.querySelectorAll(".toasts .toast").forEach(function (t) { dismiss(t, 5000); });
    // The server's messages came with the page (their box is no live region: the page has one);
    // said once the live region is in the accessibility tree.
    var told = document.querySelectorAll(".toasts:not(#live-toasts) .toast");
    if (told.length) setTimeout(function () {
      told.forEach(function (t) { say(t.textContent.trim()); });
    }, 300);
  });
})();
