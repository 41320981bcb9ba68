/* wikigraph graph view.
 *
 * Reads the page's JSON blocks, draws them with vis-network and wires the controls. Every
 * element is built with createElement and textContent: no note text is ever parsed as HTML.
 * Exposes window.wikigraph = {network, nodes, edges, view, ready, select, version}.
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;
  var resolveReady;
  var rejectReady;
  var ready = new Promise(function (resolve, reject) {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(function () {});

  var NODE_FIELDS = ["id", "label", "shape", "size", "x", "y", "color"];
  var EDGE_FIELDS = ["id", "from", "to", "width"];
  var KIND_NAMES = ["note", "attachment", "unresolved", "tag"];
  var NOTE = 0, ATTACHMENT = 1, UNRESOLVED = 2, TAG = 3;
  var PREVIEW_TAGS = {
    p: 1, h1: 1, h2: 1, h3: 1, h4: 1, h5: 1, h6: 1, ul: 1, ol: 1, li: 1, blockquote: 1,
    pre: 1, code: 1, em: 1, strong: 1, s: 1, hr: 1, br: 1, table: 1, thead: 1, tbody: 1,
    tr: 1, th: 1, td: 1, a: 1, span: 1
  };
  // Headings of a preview sit under the panel's own h2 and h3.
  var PREVIEW_HEADINGS = { h1: "h4", h2: "h5", h3: "h6", h4: "h6", h5: "h6", h6: "h6" };
  var PREVIEW_CLASSES = { external: "wg-external", embed: "wg-embed", image: "wg-image" };
  var LIST_LIMIT = 200;
  var SEARCH_LIMIT = 12;
  var LOCAL_PHYSICS_MAX = 600;

  function readBlock(id) {
    var element = doc.getElementById(id);
    if (!element) return null;
    return JSON.parse(element.textContent);
  }

  // Rebuild items from the page's columns ({field: [values]}, {"all": v} or {"some": {i: v}}),
  // taking only the allowlisted fields.
  function fromColumns(columns, fields) {
    var items = [];
    var length = columns.length;
    for (var i = 0; i < length; i++) items.push({});
    fields.forEach(function (field) {
      var column = columns[field];
      if (column === undefined || column === null) return;
      if (Array.isArray(column)) {
        for (var k = 0; k < length; k++) items[k][field] = column[k];
      } else if (Object.prototype.hasOwnProperty.call(column, "all")) {
        for (var j = 0; j < length; j++) items[j][field] = column.all;
      } else if (column.some) {
        Object.keys(column.some).forEach(function (key) {
          var index = Number(key);
          if (index >= 0 && index < length) items[index][field] = column.some[key];
        });
      }
    });
    return items;
  }

  function el(tag, className, text) {
    var element = doc.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function clear(element) {
    while (element.firstChild) element.removeChild(element.firstChild);
  }

  function byId(id) {
    return doc.getElementById(id);
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function main() {
    var config = readBlock("wg-data-config");
    var options = readBlock("wg-data-options");
    var rawNodes = fromColumns(readBlock("wg-data-nodes"), NODE_FIELDS);
    var rawEdges = fromColumns(readBlock("wg-data-edges"), EDGE_FIELDS);
    var meta = readBlock("wg-data-meta");
    var panels = null;
    var previews = null;
    var stats;
    var statsRead = false;

    function panelOf(index) {
      if (panels === null) panels = readBlock("wg-data-panels") || [];
      return panels[index] || {};
    }

    function previewOf(index) {
      if (previews === null) previews = readBlock("wg-data-previews") || [];
      return previews[index] || null;
    }

    function statsData() {
      if (!statsRead) {
        stats = readBlock("wg-data-stats");
        statsRead = true;
      }
      return stats;
    }

    var count = rawNodes.length;
    var kinds = meta.kinds;
    var paths = meta.paths;
    var labels = rawNodes.map(function (node) { return String(node.label); });
    var aliases = meta.aliases || {};
    var isOrphan = new Uint8Array(count);
    meta.orphans.forEach(function (i) { isOrphan[i] = 1; });
    var edgeFrom = new Int32Array(rawEdges.length);
    var edgeTo = new Int32Array(rawEdges.length);
    var outgoing = [];
    var incoming = [];
    for (var n = 0; n < count; n++) {
      outgoing.push([]);
      incoming.push([]);
    }
    rawEdges.forEach(function (edge, e) {
      edgeFrom[e] = edge.from;
      edgeTo[e] = edge.to;
      outgoing[edge.from].push(e);
      incoming[edge.to].push(e);
    });

    var state = {
      toggles: {
        unresolved: !!config.toggles.unresolved,
        tags: !!config.toggles.tags,
        attachments: !!config.toggles.attachments,
        orphans: !!config.toggles.orphans,
        arrows: !!config.toggles.arrows
      },
      colorBy: config.colorBy,
      local: { on: false, center: null, depth: 1, members: null, moved: null },
      selected: null,
      hovered: null,
      dimmed: null,
      dimmedEdges: null
    };

    // --- theme -----------------------------------------------------------------------------
    var css = getComputedStyle(root);
    function themeColor(name) {
      return css.getPropertyValue(name).trim() || "#888888";
    }
    function theme() {
      css = getComputedStyle(root);
      return {
        text: themeColor("--wg-text"),
        bg: themeColor("--wg-bg"),
        edge: themeColor("--wg-edge"),
        accent: themeColor("--wg-accent"),
        muted: themeColor("--wg-muted")
      };
    }
    function themeOptions(colors) {
      return {
        nodes: { font: { color: colors.text, strokeColor: colors.bg } },
        edges: { color: { color: colors.edge, highlight: colors.accent, hover: colors.accent } }
      };
    }
    var colors = theme();
    var edgeOpacity = options.edges.color.opacity;
    var initial = themeOptions(colors);
    options.nodes.font.color = initial.nodes.font.color;
    options.nodes.font.strokeColor = initial.nodes.font.strokeColor;
    options.edges.color.color = initial.edges.color.color;
    options.edges.color.highlight = initial.edges.color.highlight;
    options.edges.color.hover = initial.edges.color.hover;
    options.edges.arrows.to.enabled = state.toggles.arrows;

    // --- data --------------------------------------------------------------------------------
    // Tooltips are plain text (vis-network shows string titles with innerText).
    rawNodes.forEach(function (node, i) {
      var kind = kinds[i];
      node.title = kind === NOTE ? paths[i]
        : kind === ATTACHMENT ? paths[i] + " (attachment)"
        : kind === UNRESOLVED ? labels[i] + " (no such note)"
        : labels[i] + " (tag)";
    });
    var nodes = new vis.DataSet(rawNodes);
    var edges = new vis.DataSet(rawEdges);

    function passesFilters(i) {
      var kind = kinds[i];
      if (kind === UNRESOLVED && !state.toggles.unresolved) return false;
      if (kind === TAG && !state.toggles.tags) return false;
      if (kind === ATTACHMENT && !state.toggles.attachments) return false;
      if (isOrphan[i] && !state.toggles.orphans) return false;
      return true;
    }
    function isVisible(i) {
      if (!passesFilters(i)) return false;
      if (state.local.on && state.local.members && !state.local.members.has(i)) return false;
      return true;
    }
    // A very large vault opens in the local graph of its most linked note (see the docs).
    var startLocal = typeof config.start === "number" && config.start >= 0 && config.start < count;
    if (startLocal) {
      state.local.on = true;
      state.local.center = config.start;
      state.selected = config.start;
    }
    if (startLocal) state.local.members = localMembers(state.local.center, state.local.depth);
    var nodeView = new vis.DataView(nodes, { filter: function (node) { return isVisible(node.id); } });
    var edgeView = new vis.DataView(edges, {
      filter: function (edge) { return isVisible(edge.from) && isVisible(edge.to); }
    });

    var container = byId("wg-graph");
    var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

    // --- ready (wired at the end, once window.wikigraph exists) --------------------------------
    var loadingText = byId("wg-loading-text");
    function markReady() {
      network.once("afterDrawing", function () {
        root.dataset.wgReadyMs = String(Math.round(performance.now()));
        root.dataset.wgState = "ready";
        resolveReady(api);
      });
    }

    // Write the settled positions back into the DataSet, so nodes hidden and shown again by a
    // filter come back where they were (vis's storePositions fails on filtered-out nodes).
    function keepPositions(ids) {
      var positions = network.getPositions(ids);
      var updates = [];
      Object.keys(positions).forEach(function (id) {
        updates.push({ id: Number(id), x: positions[id].x, y: positions[id].y });
      });
      nodes.update(updates);
    }

    // --- counts --------------------------------------------------------------------------------
    function updateCounts() {
      var shownNodes = nodeView.length;
      var shownEdges = edgeView.length;
      byId("wg-counts").textContent = plural(shownNodes, "node") + " · " + plural(shownEdges, "link");
    }
    byId("wg-count-orphans").textContent = String(meta.orphans.length);

    function refresh() {
      nodeView.refresh();
      edgeView.refresh();
      updateCounts();
      renderLegend();
    }

    // --- colours -------------------------------------------------------------------------------
    function colorOf(i, mode) {
      var kind = kinds[i];
      if (kind === UNRESOLVED) return meta.kindColors.unresolved;
      if (kind === TAG) return meta.kindColors.tag;
      if (kind === ATTACHMENT && mode !== "obsidian") return meta.kindColors.attachment;
      var slots = meta.colors[mode];
      var legend = meta.legends[mode];
      var slot = slots ? slots[i] : -1;
      return slot >= 0 && legend[slot] ? legend[slot].color : meta.kindColors.neutral;
    }
    function recolor(mode) {
      state.colorBy = mode;
      var updates = [];
      for (var i = 0; i < count; i++) updates.push({ id: i, color: colorOf(i, mode) });
      nodes.update(updates);
      state.dimmed = null;
      renderLegend();
    }

    // --- legend --------------------------------------------------------------------------------
    var legendBox = byId("wg-legend");
    function legendItem(list, color, label, amount, onClick, hollow, note) {
      var item = el("li");
      var button = el("button");
      button.type = "button";
      var swatch = el("span", "wg-swatch" + (hollow ? " wg-hollow" : ""));
      swatch.style.setProperty("--wg-swatch", color);
      button.appendChild(swatch);
      button.appendChild(el("span", "wg-legend-label", label));
      if (note) button.appendChild(el("span", "wg-unsupported", note));
      if (amount !== null) button.appendChild(el("span", "wg-legend-count", amount));
      if (onClick) button.addEventListener("click", onClick);
      else button.disabled = true;
      button.title = label;
      item.appendChild(button);
      list.appendChild(item);
    }
    function selectGroup(test) {
      var ids = [];
      for (var i = 0; i < count; i++) if (isVisible(i) && test(i)) ids.push(i);
      network.selectNodes(ids);
      if (ids.length) network.fit({ nodes: ids, animation: { duration: 400 } });
    }
    function renderLegend() {
      clear(legendBox);
      var mode = state.colorBy;
      var legend = meta.legends[mode] || [];
      var titles = { folder: "Folders", tag: "Tags", community: "Communities", obsidian: "Obsidian groups" };
      legendBox.appendChild(el("h2", null, titles[mode] || mode));
      var list = el("ul");
      legend.forEach(function (entry, slot) {
        var test = entry.other
          ? function (i) { return meta.colors[mode][i] < 0 && (kinds[i] === NOTE || (mode === "obsidian" && kinds[i] === ATTACHMENT)); }
          : function (i) { return meta.colors[mode][i] === slot && (kinds[i] === NOTE || mode === "obsidian"); };
        legendItem(list, entry.color, entry.label, entry.count, function () { selectGroup(test); }, false,
          entry.unsupported ? " (query not supported)" : null);
      });
      if (state.toggles.attachments && config.counts.attachments && mode !== "obsidian") {
        legendItem(list, meta.kindColors.attachment, "attachments", config.counts.attachments,
          function () { selectGroup(function (i) { return kinds[i] === ATTACHMENT; }); });
      }
      if (state.toggles.unresolved && config.counts.unresolved) {
        legendItem(list, meta.kindColors.unresolved, "unresolved links", config.counts.unresolved,
          function () { selectGroup(function (i) { return kinds[i] === UNRESOLVED; }); }, true);
      }
      if (state.toggles.tags && config.counts.tags) {
        legendItem(list, meta.kindColors.tag, "tags", config.counts.tags,
          function () { selectGroup(function (i) { return kinds[i] === TAG; }); });
      }
      legendBox.appendChild(list);
    }

    // --- hover: highlight the neighbours -------------------------------------------------------
    function neighbours(i) {
      var set = new Set([i]);
      outgoing[i].forEach(function (e) { set.add(edgeTo[e]); });
      incoming[i].forEach(function (e) { set.add(edgeFrom[e]); });
      return set;
    }
    function fade(hex) {
      return { background: hex, border: hex, opacity: 0.15 };
    }
    function highlight(i) {
      if (config.large) {
        if (state.dimmed) {
          nodes.update(state.dimmed);
          state.dimmed = null;
        }
        if (i === null) return;
        var near = [];
        var restore = [];
        neighbours(i).forEach(function (j) {
          if (!isVisible(j)) return;
          near.push({ id: j, borderWidth: 3, color: { background: colorOf(j, state.colorBy), border: colors.accent } });
          restore.push({ id: j, borderWidth: 1, color: colorOf(j, state.colorBy) });
        });
        nodes.update(near);
        state.dimmed = restore;
        return;
      }
      var updates = [];
      if (i === null) {
        if (!state.dimmed) return;
        state.dimmed.forEach(function (j) {
          updates.push({ id: j, color: colorOf(j, state.colorBy), opacity: 1, font: { color: colors.text } });
        });
        nodes.update(updates);
        if (state.dimmedEdges) {
          edges.update(state.dimmedEdges.map(function (e) { return { id: e, color: { opacity: edgeOpacity } }; }));
        }
        state.dimmed = null;
        state.dimmedEdges = null;
        return;
      }
      var keep = neighbours(i);
      var dimmed = [];
      nodeView.getIds().forEach(function (j) {
        if (keep.has(j)) {
          updates.push({ id: j, color: colorOf(j, state.colorBy), opacity: 1, font: { color: colors.text } });
        } else {
          dimmed.push(j);
          updates.push({ id: j, color: fade(colorOf(j, state.colorBy)), opacity: 0.2, font: { color: "rgba(128,128,128,0.25)" } });
        }
      });
      nodes.update(updates);
      state.dimmed = nodeView.getIds();
      // Links that do not touch the hovered note fade with the notes.
      var edgeIds = edgeView.getIds();
      edges.update(edgeIds.map(function (e) {
        return { id: e, color: { opacity: edgeFrom[e] === i || edgeTo[e] === i ? 1 : 0.07 } };
      }));
      state.dimmedEdges = edgeIds;
    }
    network.on("hoverNode", function (params) {
      state.hovered = params.node;
      highlight(params.node);
    });
    network.on("blurNode", function () {
      state.hovered = null;
      highlight(null);
    });
    network.on("dragStart", function () {
      if (state.hovered !== null) {
        state.hovered = null;
        highlight(null);
      }
    });

    // --- selection and the side panel --------------------------------------------------------
    var panel = byId("wg-panel");

    function ensureVisible(i) {
      var changed = false;
      var kind = kinds[i];
      if (kind === UNRESOLVED && !state.toggles.unresolved) { state.toggles.unresolved = true; changed = true; }
      if (kind === TAG && !state.toggles.tags) { state.toggles.tags = true; changed = true; }
      if (kind === ATTACHMENT && !state.toggles.attachments) { state.toggles.attachments = true; changed = true; }
      if (isOrphan[i] && !state.toggles.orphans) { state.toggles.orphans = true; changed = true; }
      if (changed) {
        syncToggles();
        refresh();
      }
      if (state.local.on && state.local.members && !state.local.members.has(i)) {
        state.local.center = i;
        updateLocal();
      }
    }

    function select(i, focus) {
      if (typeof i !== "number" || i < 0 || i >= count) return;
      ensureVisible(i);
      state.selected = i;
      network.selectNodes([i]);
      renderPanel(i);
      if (focus) {
        // Keep the node clear of the panel: centre it in the space left of it.
        var offset = panel.hidden ? 0 : -Math.min(panel.offsetWidth / 2, window.innerWidth / 4);
        network.focus(i, {
          scale: Math.max(network.getScale(), 1.0),
          offset: { x: offset, y: 0 },
          animation: { duration: 450, easingFunction: "easeInOutQuad" }
        });
      }
      updateLocalHint();
    }

    function closePanel() {
      panel.hidden = true;
      clear(panel);
      state.selected = null;
      network.unselectAll();
      updateLocalHint();
    }

    function nodeButton(i, extraClass) {
      var button = el("button", "wg-link" + (extraClass ? " " + extraClass : ""), labels[i]);
      button.type = "button";
      button.title = paths[i];
      button.addEventListener("click", function () { select(i, true); });
      return button;
    }

    function viaText(e) {
      var kindsText = meta.edgeKinds.names[meta.edgeKinds.of[e]] || "";
      var words = kindsText.split(",").filter(function (k) { return k && k !== "link" && k !== "tag"; });
      return words.map(function (k) { return k.replace("property:", "property "); }).join(", ");
    }

    function linkList(title, edgeList, pickOther) {
      var section = el("section", "wg-section");
      var heading = el("h3", null, title);
      heading.appendChild(el("span", "wg-count", edgeList.length));
      section.appendChild(heading);
      if (!edgeList.length) {
        section.appendChild(el("p", "wg-empty-note", "none"));
        return section;
      }
      var list = el("ul", "wg-links");
      var sorted = edgeList.slice().sort(function (a, b) {
        var la = labels[pickOther(a)].toLowerCase(), lb = labels[pickOther(b)].toLowerCase();
        return la < lb ? -1 : la > lb ? 1 : 0;
      });
      sorted.slice(0, LIST_LIMIT).forEach(function (e) {
        var other = pickOther(e);
        var item = el("li");
        item.appendChild(nodeButton(other, kinds[other] === UNRESOLVED ? "wg-missing" : null));
        var via = viaText(e);
        if (via) item.appendChild(el("span", "wg-via", via));
        list.appendChild(item);
      });
      section.appendChild(list);
      if (sorted.length > LIST_LIMIT) section.appendChild(el("p", "wg-more", "… and " + (sorted.length - LIST_LIMIT) + " more"));
      return section;
    }

    function buildPreview(nodesList, parent, refs) {
      nodesList.forEach(function (node) {
        if (typeof node === "string") {
          parent.appendChild(doc.createTextNode(node));
          return;
        }
        if (!Array.isArray(node) || typeof node[0] !== "string") return;
        var tag = node[0];
        var attributes = node[1] && typeof node[1] === "object" ? node[1] : {};
        var children = node.slice(2);
        if (!Object.prototype.hasOwnProperty.call(PREVIEW_TAGS, tag)) {
          buildPreview(children, parent, refs);
          return;
        }
        var element = doc.createElement(PREVIEW_HEADINGS[tag] || tag);
        if (tag === "ol" && typeof attributes.start === "number") element.start = attributes.start;
        if (tag === "span" && typeof attributes.cls === "string" && PREVIEW_CLASSES[attributes.cls]) {
          element.className = PREVIEW_CLASSES[attributes.cls];
        }
        if (tag === "span" && typeof attributes.title === "string") element.title = attributes.title;
        if (tag === "a") {
          var ref = typeof attributes.ref === "string" ? attributes.ref : null;
          var target = ref !== null && Object.prototype.hasOwnProperty.call(refs, ref) ? refs[ref] : null;
          if (typeof target === "number" && target >= 0 && target < count) {
            element.href = "#";
            element.title = paths[target];
            if (kinds[target] === UNRESOLVED) element.className = "wg-missing";
            element.addEventListener("click", function (event) {
              event.preventDefault();
              select(target, true);
            });
          } else {
            element.className = "wg-missing";
          }
        }
        buildPreview(children, element, refs);
        parent.appendChild(element);
      });
    }

    function renderPanel(i) {
      var data = panelOf(i);
      var kind = kinds[i];
      clear(panel);
      var head = el("div", "wg-panel-head");
      head.appendChild(el("h2", null, labels[i]));
      var close = el("button", "wg-close", "×");
      close.type = "button";
      close.title = "Close (Esc)";
      close.setAttribute("aria-label", "close");
      close.addEventListener("click", closePanel);
      head.appendChild(close);
      panel.appendChild(head);
      panel.appendChild(el("span", "wg-kind", KIND_NAMES[kind]));
      if (kind === NOTE || kind === ATTACHMENT) panel.appendChild(el("code", "wg-path", paths[i]));

      var actions = el("div", "wg-actions");
      if (typeof data.open === "string" && data.open.indexOf("obsidian://open?") === 0) {
        var open = el("a", "wg-primary", "Open in Obsidian");
        open.href = data.open;
        open.rel = "noopener noreferrer";
        actions.appendChild(open);
      }
      var localButton = el("button", null, state.local.on && state.local.center === i ? "Leave local graph" : "Local graph");
      localButton.type = "button";
      localButton.addEventListener("click", function () {
        if (state.local.on && state.local.center === i) setLocal(false);
        else {
          state.local.center = i;
          setLocal(true);
        }
        renderPanel(i);
      });
      actions.appendChild(localButton);
      var focusButton = el("button", null, "Zoom to");
      focusButton.type = "button";
      focusButton.addEventListener("click", function () { select(i, true); });
      actions.appendChild(focusButton);
      panel.appendChild(actions);

      if (kind === NOTE) {
        var tags = data.tags || [];
        if (tags.length) {
          var tagSection = el("section", "wg-section");
          tagSection.appendChild(el("h3", null, "Tags"));
          var chips = el("div", "wg-chips");
          var tagNodes = {};
          outgoing[i].forEach(function (e) { if (kinds[edgeTo[e]] === TAG) tagNodes[labels[edgeTo[e]].toLowerCase()] = edgeTo[e]; });
          tags.forEach(function (tag) {
            var chip = el("button", "wg-chip", "#" + tag);
            chip.type = "button";
            var target = tagNodes[("#" + tag).toLowerCase()];
            if (target !== undefined) chip.addEventListener("click", function () { select(target, true); });
            else chip.disabled = true;
            chips.appendChild(chip);
          });
          tagSection.appendChild(chips);
          panel.appendChild(tagSection);
        }
        if (data.aliases && data.aliases.length) {
          var aliasSection = el("section", "wg-section");
          aliasSection.appendChild(el("h3", null, "Aliases"));
          aliasSection.appendChild(el("p", null, data.aliases.join(", ")));
          panel.appendChild(aliasSection);
        }
        if (data.props && data.props.length) {
          var propSection = el("section", "wg-section");
          propSection.appendChild(el("h3", null, "Properties"));
          var list = el("dl", "wg-props");
          data.props.forEach(function (pair) {
            list.appendChild(el("dt", null, pair[0]));
            list.appendChild(el("dd", null, pair[1]));
          });
          propSection.appendChild(list);
          panel.appendChild(propSection);
        }
      }
      if (kind === UNRESOLVED) {
        panel.appendChild(el("p", "wg-summary", "No file is called “" + labels[i] + "”. Linked from " + plural(incoming[i].length, "note") + "."));
      }
      var back = incoming[i].filter(function (e) { return kinds[edgeFrom[e]] !== TAG; });
      panel.appendChild(linkList(kind === TAG ? "Notes with this tag" : "Backlinks", back, function (e) { return edgeFrom[e]; }));
      if (kind === NOTE) {
        var out = outgoing[i].filter(function (e) { return kinds[edgeTo[e]] !== TAG; });
        panel.appendChild(linkList("Outgoing links", out, function (e) { return edgeTo[e]; }));
      }
      if (data.problems && data.problems.length) {
        var problemSection = el("section", "wg-section");
        var heading = el("h3", null, "Problems");
        heading.appendChild(el("span", "wg-count", data.problems.length));
        problemSection.appendChild(heading);
        var problems = el("ul", "wg-problems");
        data.problems.slice(0, LIST_LIMIT).forEach(function (problem) {
          var item = el("li");
          item.appendChild(el("span", "wg-where", problem[0] + ":" + problem[1]));
          item.appendChild(el("span", "wg-" + (problem[2] === "error" ? "error" : problem[2] === "warning" ? "warning" : "info"), problem[2]));
          item.appendChild(doc.createTextNode(" " + problem[4] + " "));
          item.appendChild(el("span", "wg-code", "[" + problem[3] + "]"));
          problems.appendChild(item);
        });
        problemSection.appendChild(problems);
        panel.appendChild(problemSection);
      }
      if (kind === NOTE) {
        var previewSection = el("section", "wg-section");
        previewSection.appendChild(el("h3", null, "Preview"));
        var tree = previewOf(i);
        if (Array.isArray(tree) && tree.length) {
          var preview = el("div", "wg-preview");
          buildPreview(tree, preview, data.refs && typeof data.refs === "object" ? data.refs : {});
          previewSection.appendChild(preview);
        } else {
          previewSection.appendChild(el("p", "wg-empty-note", "empty note"));
        }
        panel.appendChild(previewSection);
      }
      panel.hidden = false;
      byId("wg-stats").hidden = true;
      byId("wg-stats-button").setAttribute("aria-expanded", "false");
    }

    network.on("click", function (params) {
      if (params.nodes.length) select(params.nodes[0], false);
      else if (!params.edges.length) closePanel();
    });
    network.on("doubleClick", function (params) {
      if (params.nodes.length) {
        var data = panelOf(params.nodes[0]);
        if (typeof data.open === "string" && data.open.indexOf("obsidian://open?") === 0) window.location.href = data.open;
      }
    });

    // --- search -------------------------------------------------------------------------------
    var search = byId("wg-search");
    var results = byId("wg-results");
    var lowered = labels.map(function (label) { return label.toLowerCase(); });
    var loweredPaths = paths.map(function (path) { return path.toLowerCase(); });
    var current = [];
    var active = -1;
    var searchTimer = null;

    function score(i, query) {
      var label = lowered[i];
      if (label === query) return 0;
      if (label.indexOf(query) === 0) return 1;
      if (label.indexOf(query) >= 0) return 2;
      if (kinds[i] !== UNRESOLVED && kinds[i] !== TAG && loweredPaths[i].indexOf(query) >= 0) return 3;
      var names = aliases[i];
      if (names) {
        for (var k = 0; k < names.length; k++) if (String(names[k]).toLowerCase().indexOf(query) >= 0) return 4;
      }
      return -1;
    }

    function runSearch() {
      var query = search.value.trim().toLowerCase();
      current = [];
      active = -1;
      clear(results);
      if (!query) {
        results.hidden = true;
        return;
      }
      var found = [];
      for (var i = 0; i < count; i++) {
        if (!passesFilters(i) && kinds[i] !== NOTE) continue;
        var s = score(i, query);
        if (s >= 0) found.push([s, kinds[i] === NOTE ? 0 : 1, lowered[i].length, lowered[i], i]);
      }
      found.sort(function (a, b) {
        for (var k = 0; k < 4; k++) {
          if (a[k] < b[k]) return -1;
          if (a[k] > b[k]) return 1;
        }
        return a[4] - b[4];
      });
      current = found.slice(0, SEARCH_LIMIT).map(function (entry) { return entry[4]; });
      if (!current.length) {
        results.appendChild(el("li", "wg-empty", "No matching note"));
        results.hidden = false;
        return;
      }
      current.forEach(function (i, position) {
        var item = el("li");
        item.setAttribute("role", "option");
        item.id = "wg-result-" + position;
        item.appendChild(el("span", "wg-result-title", labels[i]));
        item.appendChild(el("span", "wg-result-path", kinds[i] === NOTE || kinds[i] === ATTACHMENT ? paths[i] : KIND_NAMES[kinds[i]]));
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(position, true);
        });
        results.appendChild(item);
      });
      if (found.length > SEARCH_LIMIT) results.appendChild(el("li", "wg-empty", "… " + (found.length - SEARCH_LIMIT) + " more"));
      results.hidden = false;
      setActive(0);
    }

    function setActive(position) {
      if (!current.length) return;
      active = (position + current.length) % current.length;
      Array.prototype.forEach.call(results.querySelectorAll("li[role=option]"), function (item, k) {
        item.setAttribute("aria-selected", k === active ? "true" : "false");
        if (k === active) item.scrollIntoView({ block: "nearest" });
      });
      search.setAttribute("aria-activedescendant", "wg-result-" + active);
      var i = current[active];
      ensureVisible(i);
      network.selectNodes([i]);
      network.focus(i, { scale: Math.max(network.getScale(), 0.8), animation: { duration: 250, easingFunction: "easeInOutQuad" } });
    }

    function choose(position, openPanel) {
      if (!current.length) return;
      var i = current[position >= 0 ? position : 0];
      if (openPanel) {
        select(i, true);
        results.hidden = true;
        search.blur();
      }
    }

    search.addEventListener("input", function () {
      if (searchTimer !== null) clearTimeout(searchTimer);
      searchTimer = setTimeout(function () {
        searchTimer = null;
        runSearch();
      }, count > 5000 ? 120 : 40);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        setActive(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (searchTimer !== null) {
          clearTimeout(searchTimer);
          searchTimer = null;
          runSearch();
        }
        choose(active, true);
      }
    });
    search.addEventListener("focus", function () {
      if (search.value.trim() && current.length) results.hidden = false;
    });
    search.addEventListener("blur", function () {
      setTimeout(function () { results.hidden = true; }, 100);
    });

    // --- toggles --------------------------------------------------------------------------------
    var toggleNames = ["unresolved", "tags", "attachments", "orphans", "arrows"];
    function syncToggles() {
      toggleNames.forEach(function (name) { byId("wg-toggle-" + name).checked = state.toggles[name]; });
    }
    toggleNames.forEach(function (name) {
      var box = byId("wg-toggle-" + name);
      box.checked = state.toggles[name];
      box.addEventListener("change", function () {
        state.toggles[name] = box.checked;
        if (name === "arrows") {
          network.setOptions({ edges: { arrows: { to: { enabled: box.checked } } } });
          return;
        }
        if (state.local.on) updateLocal();
        else refresh();
      });
    });

    var colorSelect = byId("wg-color-by");
    Array.prototype.forEach.call(colorSelect.options, function (option) {
      option.disabled = config.modes.indexOf(option.value) < 0;
      if (option.disabled) option.textContent += option.value === "community" ? " (no statistics)" : " (none defined)";
    });
    colorSelect.value = state.colorBy;
    colorSelect.addEventListener("change", function () { recolor(colorSelect.value); });

    // --- physics: force sliders ---------------------------------------------------------------
    var physicsTimer = null;
    function settle() {
      if (physicsTimer !== null) clearTimeout(physicsTimer);
      network.setOptions({ physics: { enabled: true } });
      network.once("stabilized", stopPhysics);
      physicsTimer = setTimeout(stopPhysics, 8000);
    }
    function stopPhysics() {
      if (physicsTimer !== null) {
        clearTimeout(physicsTimer);
        physicsTimer = null;
      }
      network.setOptions({ physics: { enabled: false } });
    }
    function physicsAllowed() {
      return config.physics || (state.local.on && state.local.members && state.local.members.size <= LOCAL_PHYSICS_MAX);
    }
    var forces = {
      center: function (v) { return { centralGravity: 0.001 + v * 0.0006 }; },
      repel: function (v) { return { gravitationalConstant: -(10 + v * 2.5) }; },
      link: function (v) { return { springConstant: 0.01 + v * 0.003 }; },
      distance: function (v) { return { springLength: 20 + v * 3 }; }
    };
    function forceOptions() {
      var result = {};
      Object.keys(forces).forEach(function (name) {
        var value = Number(byId("wg-force-" + name).value);
        var part = forces[name](value);
        Object.keys(part).forEach(function (key) { result[key] = part[key]; });
      });
      return result;
    }
    function updateForceControls() {
      var allowed = physicsAllowed();
      Object.keys(forces).forEach(function (name) { byId("wg-force-" + name).disabled = !allowed; });
      byId("wg-forces-hint").hidden = allowed;
    }
    Object.keys(forces).forEach(function (name) {
      byId("wg-force-" + name).addEventListener("input", function () {
        if (!physicsAllowed()) return;
        network.setOptions({ physics: { forceAtlas2Based: forceOptions() } });
        settle();
      });
    });
    // Start the sliders at the page's own settings.
    (function () {
      var fa = options.physics.forceAtlas2Based;
      byId("wg-force-center").value = String(Math.round((fa.centralGravity - 0.001) / 0.0006));
      byId("wg-force-repel").value = String(Math.round((-fa.gravitationalConstant - 10) / 2.5));
      byId("wg-force-link").value = String(Math.round((fa.springConstant - 0.01) / 0.003));
      byId("wg-force-distance").value = String(Math.round((fa.springLength - 20) / 3));
    })();

    // --- local graph --------------------------------------------------------------------------
    var localBox = byId("wg-toggle-local");
    var depthSlider = byId("wg-depth");
    function localMembers(center, depth) {
      var members = new Set([center]);
      var frontier = [center];
      for (var level = 0; level < depth; level++) {
        var next = [];
        frontier.forEach(function (i) {
          var visit = function (j) {
            if (!members.has(j) && passesFilters(j)) {
              members.add(j);
              next.push(j);
            }
          };
          outgoing[i].forEach(function (e) { visit(edgeTo[e]); });
          incoming[i].forEach(function (e) { visit(edgeFrom[e]); });
        });
        frontier = next;
        if (!frontier.length) break;
      }
      return members;
    }
    function restoreMoved() {
      if (!state.local.moved) return;
      state.local.moved.forEach(function (i) {
        var item = nodes.get(i);
        if (item && typeof item.x === "number") network.moveNode(i, item.x, item.y);
      });
      state.local.moved = null;
    }
    function updateLocal() {
      if (!state.local.on || state.local.center === null) return;
      restoreMoved();
      state.local.members = localMembers(state.local.center, state.local.depth);
      refresh();
      var ids = Array.from(state.local.members);
      if (!config.physics && ids.length <= LOCAL_PHYSICS_MAX && ids.length > 1) {
        state.local.moved = ids;
        network.once("stabilized", function () {
          network.setOptions({ physics: { enabled: false } });
          network.fit({ nodes: ids, animation: { duration: 400 } });
        });
        network.setOptions({ physics: { enabled: true } });
        network.stabilize(120);
      } else {
        network.fit({ nodes: ids, animation: { duration: 400 } });
      }
      updateForceControls();
      updateLocalHint();
    }
    function setLocal(on) {
      if (on && state.local.center === null) {
        if (state.selected === null) {
          localBox.checked = false;
          updateLocalHint();
          return;
        }
        state.local.center = state.selected;
      }
      state.local.on = on;
      localBox.checked = on;
      if (on) {
        updateLocal();
      } else {
        restoreMoved();
        state.local.members = null;
        state.local.center = null;
        refresh();
        network.fit({ animation: { duration: 400 } });
        updateForceControls();
      }
      updateLocalHint();
    }
    function updateLocalHint() {
      var hint = byId("wg-local-hint");
      if (state.local.on && state.local.center !== null) {
        hint.textContent = "Around “" + labels[state.local.center] + "”: " + plural(state.local.members ? state.local.members.size : 0, "node") + ".";
      } else if (state.selected !== null) {
        hint.textContent = "Selected: “" + labels[state.selected] + "”.";
      } else {
        hint.textContent = "Select a note first.";
      }
      localBox.disabled = !state.local.on && state.selected === null;
    }
    localBox.addEventListener("change", function () {
      if (localBox.checked) state.local.center = state.selected;
      setLocal(localBox.checked);
      if (state.selected !== null) renderPanel(state.selected);
    });
    depthSlider.addEventListener("input", function () {
      state.local.depth = Number(depthSlider.value);
      byId("wg-depth-value").textContent = depthSlider.value;
      updateLocal();
    });

    // --- statistics -----------------------------------------------------------------------------
    var statsBox = byId("wg-stats");
    var statsButton = byId("wg-stats-button");
    var indexByPath = null;
    function nodeByPath(path) {
      if (indexByPath === null) {
        indexByPath = new Map();
        for (var i = 0; i < count; i++) indexByPath.set(paths[i], i);
      }
      return indexByPath.has(path) ? indexByPath.get(path) : -1;
    }
    function statNumber(grid, value, label) {
      if (typeof value !== "number") return;
      var box = el("div", "wg-stat");
      box.appendChild(el("b", null, value.toLocaleString("en")));
      box.appendChild(el("span", null, label));
      grid.appendChild(box);
    }
    function pathList(title, items, describe, full) {
      var section = el("section", "wg-section");
      var heading = el("h3", null, title);
      var size = typeof full === "number" ? full : items.length;
      heading.appendChild(el("span", "wg-count", size));
      section.appendChild(heading);
      var list = el("ul", "wg-links");
      items.slice(0, 10).forEach(function (item) {
        var entry = describe(item);
        if (!entry) return;
        var li = el("li");
        if (entry.node >= 0) li.appendChild(nodeButton(entry.node, kinds[entry.node] === UNRESOLVED ? "wg-missing" : null));
        else li.appendChild(el("span", null, entry.text));
        if (entry.note) li.appendChild(el("span", "wg-via", entry.note));
        list.appendChild(li);
      });
      section.appendChild(list);
      if (size > 10) section.appendChild(el("p", "wg-more", "… and " + (size - 10) + " more"));
      return section;
    }
    function asPath(item) {
      if (typeof item === "string") return { node: nodeByPath(item), text: item };
      if (item && typeof item === "object" && typeof item.path === "string") return { node: nodeByPath(item.path), text: item.title || item.path };
      return null;
    }
    function renderStats() {
      clear(statsBox);
      var data = statsData();
      var head = el("div", "wg-panel-head");
      head.appendChild(el("h2", null, "Statistics"));
      var close = el("button", "wg-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", "close");
      close.addEventListener("click", function () { showStats(false); });
      head.appendChild(close);
      statsBox.appendChild(head);
      if (config.summary) statsBox.appendChild(el("p", "wg-summary", config.summary));
      if (!data || typeof data !== "object") {
        statsBox.appendChild(el("p", "wg-empty-note", "No statistics in this page."));
        return;
      }
      var counts = data.counts && typeof data.counts === "object" ? data.counts : {};
      var grid = el("div", "wg-stat-grid");
      statNumber(grid, counts.notes, "notes");
      statNumber(grid, counts.attachments, "attachments");
      if (counts.links && typeof counts.links === "object") {
        statNumber(grid, counts.links.total, "links");
        if (counts.links.by_status && typeof counts.links.by_status === "object") {
          statNumber(grid, counts.links.by_status.unresolved, "unresolved links");
        }
      }
      if (data.components && typeof data.components === "object") statNumber(grid, data.components.count, "components");
      var totals = data.totals && typeof data.totals === "object" ? data.totals : {};
      function total(key) {
        if (typeof totals[key] === "number") return totals[key];
        return Array.isArray(data[key]) ? data[key].length : undefined;
      }
      statNumber(grid, total("orphans"), "orphans");
      statNumber(grid, total("dead_ends"), "dead ends");
      statNumber(grid, total("communities"), "communities");
      statsBox.appendChild(grid);
      var hubs = data.hubs && typeof data.hubs === "object" && !Array.isArray(data.hubs) ? data.hubs.by_links : data.hubs;
      if (Array.isArray(hubs)) {
        statsBox.appendChild(pathList("Hubs", hubs, function (hub) {
          var entry = asPath(hub);
          if (entry && hub && typeof hub.notes === "number") entry.note = plural(hub.notes, "backlink");
          return entry;
        }));
      }
      if (Array.isArray(data.most_wanted)) {
        statsBox.appendChild(pathList("Most wanted", data.most_wanted, function (item) {
          if (!item || typeof item !== "object") return null;
          var node = typeof item.node === "string" ? nodeByPath(item.node) : -1;
          if (node < 0) {
            for (var i = 0; i < count; i++) if (kinds[i] === UNRESOLVED && labels[i] === item.target) { node = i; break; }
          }
          return { node: node, text: String(item.target), note: typeof item.notes === "number" ? plural(item.notes, "note") : null };
        }));
      }
      if (Array.isArray(data.communities)) {
        var section = el("section", "wg-section");
        var heading = el("h3", null, "Communities");
        heading.appendChild(el("span", "wg-count", total("communities")));
        section.appendChild(heading);
        var list = el("ul", "wg-links");
        data.communities.slice(0, 10).forEach(function (community) {
          if (!community || typeof community !== "object") return;
          var li = el("li");
          var button = el("button", "wg-link", String(community.label || "community " + community.id));
          button.type = "button";
          button.addEventListener("click", function () {
            var of = meta.community || [];
            selectGroup(function (i) { return of[i] === community.id; });
          });
          li.appendChild(button);
          if (typeof community.size === "number") li.appendChild(el("span", "wg-via", plural(community.size, "note")));
          list.appendChild(li);
        });
        section.appendChild(list);
        statsBox.appendChild(section);
      }
      if (Array.isArray(data.dead_ends) && data.dead_ends.length) statsBox.appendChild(pathList("Dead ends", data.dead_ends, asPath, total("dead_ends")));
      if (Array.isArray(data.orphans) && data.orphans.length) statsBox.appendChild(pathList("Orphans", data.orphans, asPath, total("orphans")));
    }
    function showStats(show) {
      if (show) {
        renderStats();
        panel.hidden = true;
      }
      statsBox.hidden = !show;
      statsButton.setAttribute("aria-expanded", show ? "true" : "false");
    }
    statsButton.addEventListener("click", function () { showStats(statsBox.hidden); });

    byId("wg-fit").addEventListener("click", function () { network.fit({ animation: { duration: 400 } }); });

    // --- keyboard -------------------------------------------------------------------------------
    doc.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" && target.type !== "checkbox" && target.type !== "range" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        search.focus();
        search.select();
        return;
      }
      if (event.key === "Escape") {
        if (target === search && search.value) {
          search.value = "";
          runSearch();
          return;
        }
        if (target === search) {
          search.blur();
          return;
        }
        if (!statsBox.hidden) {
          showStats(false);
          return;
        }
        if (!panel.hidden) {
          closePanel();
          return;
        }
        if (state.local.on) setLocal(false);
      }
    });

    // --- theme changes --------------------------------------------------------------------------
    if (window.matchMedia) {
      var scheme = window.matchMedia("(prefers-color-scheme: dark)");
      var onScheme = function () {
        colors = theme();
        network.setOptions(themeOptions(colors));
        if (state.dimmed) highlight(null);
      };
      if (scheme.addEventListener) scheme.addEventListener("change", onScheme);
    }

    syncToggles();
    updateCounts();
    renderLegend();
    updateForceControls();
    updateLocalHint();
    if (startLocal) {
      localBox.checked = true;
      byId("wg-local-section").open = true;
      network.selectNodes([config.start]);
      byId("wg-local-hint").textContent = "This vault is large: it opens around its most linked note, “" +
        labels[config.start] + "”. Search for a note to move, or turn this off to draw all " +
        plural(count, "node") + ".";
    }
    if (config.groupProblems && config.groupProblems.length) {
      config.groupProblems.forEach(function (problem) { console.info("wikigraph: " + problem); });
    }

    var api = Object.freeze({
      network: network,
      nodes: nodes,
      edges: edges,
      view: Object.freeze({ nodes: nodeView, edges: edgeView }),
      ready: ready,
      select: function (i) { select(i, true); },
      version: config.generator
    });
    window.wikigraph = api;

    if (config.physics) {
      network.on("stabilizationProgress", function (progress) {
        var share = Math.round((100 * progress.iterations) / Math.max(progress.total, 1));
        loadingText.textContent = "Laying out " + plural(config.counts.notes, "note") + "… " + share + "%";
      });
      network.once("stabilizationIterationsDone", function () {
        markReady();
        network.setOptions({ physics: { enabled: false } });
        keepPositions(nodeView.getIds());
      });
    } else {
      markReady();
    }
  }

  try {
    main();
  } catch (error) {
    root.dataset.wgState = "error";
    rejectReady(error);
    throw error;
  }
})();
