/* Level 3 swim lanes: keep the lanes lined up after a partial swap, and draw each hand-off as
   an arrow from the step to where the receiving squad picks the work up. The arrows only
   decorate: every card says in words whom it hands off to. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function isEditing(el) { return !!el.querySelector(".part-form-wrap, .part-confirm"); }

  /* A column or card swapped in alone may belong elsewhere now (a new lane, another stage):
     then the whole map is fetched again. */
  function misaligned(map) {
    var lanes = map.dataset.lanes;
    var bad = false;
    map.querySelectorAll(".stage-col").forEach(function (col) {
      if (col.dataset.lanes !== lanes) bad = true;
    });
    map.querySelectorAll(".step-card").forEach(function (card) {
      var cell = card.closest(".sl-cell"), col = card.closest(".stage-col");
      if (!cell || !col || cell.dataset.lane !== card.dataset.lane || col.dataset.stage !== card.dataset.stage) bad = true;
    });
    return bad;
  }

  function refreshMap(map) {
    if (!map.dataset.url) return;
    map.dataset.refreshing = "1";  // app.js keeps a form opened meanwhile
    htmx.ajax("GET", map.dataset.url, { source: map, target: map, swap: "outerHTML" });
  }

  function cardsInOrder(grid) {
    var cards = [];
    grid.querySelectorAll(".stage-col").forEach(function (col, c) {
      col.querySelectorAll(".step-card").forEach(function (card) {
        var n = (card.querySelector(".step-num") || {}).textContent || "0.0";
        cards.push({ el: card, col: c, n: Number(n.split(".")[1] || 0) });
      });
    });
    cards.sort(function (a, b) { return a.col - b.col || a.n - b.n; });
    return cards;
  }

  function box(el, origin) {
    var r = el.getBoundingClientRect();
    return { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height };
  }

  function drawArrows(grid) {
    var old = grid.querySelector(":scope > .handoff-layer");
    if (old) old.remove();
    var origin = grid.getBoundingClientRect();
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "handoff-layer");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", grid.scrollWidth);
    svg.setAttribute("height", grid.scrollHeight);
    var defs = document.createElementNS(SVG, "defs");
    var marker = document.createElementNS(SVG, "marker");
    marker.setAttribute("id", "handoff-head");
    marker.setAttribute("viewBox", "0 0 10 10");
    marker.setAttribute("refX", "9");
    marker.setAttribute("refY", "5");
    marker.setAttribute("markerWidth", "7");
    marker.setAttribute("markerHeight", "7");
    marker.setAttribute("orient", "auto-start-reverse");
    var head = document.createElementNS(SVG, "path");
    head.setAttribute("d", "M0,0 L10,5 L0,10 z");
    head.setAttribute("class", "handoff-head");
    marker.appendChild(head);
    defs.appendChild(marker);
    svg.appendChild(defs);
    var cards = cardsInOrder(grid);
    cards.forEach(function (from, i) {
      var lane = from.el.dataset.handoffLane;
      if (!lane) return;
      var to = null;
      for (var j = i + 1; j < cards.length; j++) {
        if (cards[j].el.dataset.lane === lane) { to = cards[j].el; break; }
      }
      if (!to) {  // nobody picks it up later on the map: point at the lane in this stage
        var col = from.el.closest(".stage-col");
        to = col && col.querySelector('.sl-cell[data-lane="' + lane + '"]');
      }
      if (!to) return;
      var a = box(from.el, origin), b = box(to, origin);
      var d;
      if (b.x > a.x + a.w / 2) {  // to a later column: right edge to left edge
        var x1 = a.x + a.w, y1 = a.y + Math.min(a.h / 2, 40), x2 = b.x - 2, y2 = b.y + Math.min(b.h / 2, 40);
        var dx = Math.max(30, (x2 - x1) / 2);
        d = "M" + x1 + "," + y1 + " C" + (x1 + dx) + "," + y1 + " " + (x2 - dx) + "," + y2 + " " + x2 + "," + y2;
      } else {  // the same column: out into the gutter on the right and back in
        var down = b.y > a.y;
        var sx = a.x + a.w, sy = down ? a.y + a.h - 14 : a.y + 14;
        var ex = b.x + b.w + 2, ey = down ? b.y + 14 : b.y + b.h - 14;
        d = "M" + sx + "," + sy + " C" + (sx + 14) + "," + sy + " " + (ex + 14) + "," + ey + " " + ex + "," + ey;
      }
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      path.setAttribute("class", "handoff-line");
      path.setAttribute("marker-end", "url(#handoff-head)");
      svg.appendChild(path);
    });
    grid.prepend(svg);
  }

  /* Drag a card to another stage, or up and down, within its squad's lane (the move buttons
     are the keyboard way). The server places it among the stage's steps and answers with the
     map. */
  function stageIndex(col, card) {
    var cards = Array.prototype.filter.call(col.querySelectorAll(".step-card"), function (c) { return c !== card; });
    cards.sort(function (a, b) { return number(a) - number(b); });
    var prev = card.previousElementSibling, next = card.nextElementSibling;
    if (prev) return cards.indexOf(prev) + 1;
    if (next) return cards.indexOf(next);
    return cards.length;
  }

  function number(card) {
    var n = (card.querySelector(".step-num") || {}).textContent || "0.0";
    return Number(n.split(".")[1] || 0);
  }

  function initDrag(map) {
    if (!window.Sortable) return;
    map.querySelectorAll(".sl-steps").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "lane-" + list.dataset.lane,  // never into another squad's lane
        handle: ".drag-handle",
        draggable: ".step-card.is-mine",
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 150,
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          var card = evt.item, col = card.closest(".stage-col");
          var form = card.querySelector("form.move-step");
          if (!col || !form) return;
          htmx.ajax("POST", form.getAttribute("action"), {
            source: map, target: map, swap: "outerHTML",
            values: { stage: col.dataset.stage, index: stageIndex(col, card) }
          });
        }
      });
    });
  }

  function update(root) {
    var maps = root.matches && root.matches(".journey-map") ? [root] : [];
    var closest = root.closest && root.closest(".journey-map");
    if (closest) maps = [closest];
    if (!maps.length) maps = Array.prototype.slice.call(document.querySelectorAll(".journey-map"));
    maps.forEach(function (map) {
      if (!isEditing(map) && misaligned(map)) { refreshMap(map); return; }
      var grid = map.querySelector(".swimlanes");
      if (grid) drawArrows(grid);
      initDrag(map);
    });
  }

  document.addEventListener("htmx:afterSettle", function (e) { update(e.detail.elt || document); });
  document.addEventListener("DOMContentLoaded", function () {
    update(document);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { update(document); });
  });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { update(document); }, 150);
  });
})();
