/* geoplan map controls (MIT, part of geoplan).
 *
 * The controls around the map drawn by geoplan.js: scale, full screen, measure, the search box
 * and the collapsible layer list, legend and title block, laid out so that they never cover
 * each other. geoplan.js calls G.controls(map, options) once every layer is built.
 *
 * options (written by geoplan.maps.interactive.plan_map):
 *   lang           'vi' (Vietnamese first, English second) or 'en'
 *   search         id of the <script type="application/json"> search document
 *                  (geoplan/maps/search.py describes it), or null
 *   collapseBelow  the layer list, legend and title start collapsed on maps narrower than
 *                  this many pixels
 */
(function (global) {
  'use strict';
  var G = global.geoplan = global.geoplan || {};

  var WORDS = {
    layers: ['Lớp bản đồ', 'Layers'],
    legend: ['Chú giải', 'Legend'],
    title: ['Thông tin bản đồ', 'Map information'],
    show: ['Mở rộng', 'Expand'],
    hide: ['Thu gọn', 'Collapse'],
    search: ['Tìm tên, mã, xã…', 'Search…'],
    searchLabel: ['Tìm theo tên, mã hoặc xã/phường', 'Search by name, id or commune'],
    noMatch: ['Không tìm thấy', 'No match'],
    more: ['kết quả khác: gõ thêm để lọc', 'more: type more to narrow'],
    inCommune: ['tại', 'in'],
    fullscreen: ['Toàn màn hình', 'Full screen'],
    exitFullscreen: ['Thoát toàn màn hình', 'Exit full screen']
  };
  var lang = 'vi';

  // A control's text: Vietnamese with the English after it, or English alone.
  function text(key) {
    var w = WORDS[key];
    return lang === 'en' ? w[1] : w[0] + ' / ' + w[1];
  }
  function html(key) {
    var w = WORDS[key];
    return lang === 'en' ? G.esc(w[1]) :
      G.esc(w[0]) + ' <span class="gp-en">/ ' + G.esc(w[1]) + '</span>';
  }
  G.controlText = text;

  // ------------------------------------------------------------------------------ folding
  // The twin of geoplan.names.fold (Python): no diacritics, đ -> d, lower case (ß as ss, as
  // Python's casefold), the separators _ - – — / as spaces, single spaces.
  var MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  G.fold = function (s) {
    return String(s).normalize('NFD').replace(MARKS, '').replace(/đ/g, 'd').replace(/Đ/g, 'D')
      .toLowerCase().replace(/\u00df/g, 'ss').replace(/[_\-\u2013\u2014/]+/g, ' ')
      .replace(/\s+/g, ' ').trim();
  };

  // ---------------------------------------------------------------------------- collapsing
  var uid = 0;
  // Give a control a button that shows and hides its body; Escape inside it closes it.
  function collapsible(container, body, label, open, onToggle, before) {
    var btn = L.DomUtil.create('button', 'gp-toggle');
    btn.type = 'button';
    btn.innerHTML = label + '<span class="gp-caret" aria-hidden="true"></span>';
    body.id = body.id || 'gp-body-' + (++uid);
    body.classList.add('gp-body');
    btn.setAttribute('aria-controls', body.id);
    container.insertBefore(btn, before === undefined ? container.firstChild : before);
    var state = {button: btn, body: body, container: container};
    state.isOpen = function () { return !container.classList.contains('gp-collapsed'); };
    state.set = function (want, quiet) {
      container.classList.toggle('gp-collapsed', !want);
      btn.setAttribute('aria-expanded', want ? 'true' : 'false');
      btn.title = want ? text('hide') : text('show');
      if (!quiet && onToggle) { onToggle(state, want); }
    };
    L.DomEvent.on(btn, 'click', function (e) {
      L.DomEvent.stop(e);
      state.set(!state.isOpen());
    });
    L.DomEvent.on(container, 'keydown', function (e) {
      if (e.key === 'Escape' && state.isOpen()) {
        state.set(false);
        btn.focus();
      }
    });
    state.set(open, true);
    return state;
  }

  // ------------------------------------------------------------------------------ layout
  // Keep the title between the top corners and the right column (layer list above, legend
  // below) free of overlap: the bodies get the height there is, and when there is too
  // little for both, the one not just opened closes.
  var GAP = 10, MIN_BODY = 90;
  function layout(map, parts, opened) {
    var box = map.getContainer().getBoundingClientRect(), H = box.height;
    var layers = parts.layers, legend = parts.legend;
    if (layers && legend) {
      var tr = map._controlCorners.topright, br = map._controlCorners.bottomright;
      var bodies = [layers, legend], k, b;
      for (k = 0; k < 2; k++) { bodies[k].body.style.maxHeight = ''; }
      var topBottom = 0, bottomTop = H;
      // heights without the bodies
      var closedTop = tr.getBoundingClientRect().bottom - box.top -
        (layers.isOpen() ? layers.body.getBoundingClientRect().height : 0);
      var closedBottom = br.getBoundingClientRect().top - box.top +
        (legend.isOpen() ? legend.body.getBoundingClientRect().height : 0);
      var room = closedBottom - closedTop - GAP;
      var want = [layers.isOpen() ? layers.body.scrollHeight : 0,
                  legend.isOpen() ? legend.body.scrollHeight : 0];
      if (want[0] && want[1] && room < 2 * MIN_BODY) {
        // no room for both: close the other one
        var other = opened === legend ? layers : legend;
        other.set(false, true);
        want[other === layers ? 0 : 1] = 0;
      }
      var give = [want[0], want[1]];
      if (want[0] + want[1] > room) {
        if (!want[0] || !want[1]) {
          give = [want[0] ? room : 0, want[1] ? room : 0];
        } else if (want[0] < room / 2) {
          give = [want[0], room - want[0]];
        } else if (want[1] < room / 2) {
          give = [room - want[1], want[1]];
        } else {
          give = [room / 2, room / 2];
        }
      }
      for (k = 0; k < 2; k++) {
        b = bodies[k];
        if (b.isOpen()) { b.body.style.maxHeight = Math.max(40, Math.floor(give[k])) + 'px'; }
      }
      topBottom = tr.getBoundingClientRect().bottom;
      bottomTop = br.getBoundingClientRect().top;
      map.getContainer().setAttribute('data-gp-room', String(Math.round(bottomTop - topBottom)));
    }
    if (parts.title) { placeTitle(map, parts.title.container); }
  }

  // The widest control of a top corner within the title's band, from the map's side.
  function cornerReach(map, corner, side, bandBottom) {
    var box = map.getContainer().getBoundingClientRect(), reach = 0, k, r;
    var kids = map._controlCorners[corner].children;
    for (k = 0; k < kids.length; k++) {
      r = kids[k].getBoundingClientRect();
      if (r.height === 0 || r.top > bandBottom) { continue; }
      reach = Math.max(reach, side === 'left' ? r.right - box.left : box.right - r.left);
    }
    return reach;
  }

  // Centred on the map when it fits between the top corners, else centred between them;
  // a title longer than the room ends in an ellipsis.
  function placeTitle(map, title) {
    var W = map.getContainer().getBoundingClientRect().width;
    var band = title.getBoundingClientRect().bottom + GAP;
    var l = cornerReach(map, 'topleft', 'left', band) + GAP;
    var r = cornerReach(map, 'topright', 'right', band) + GAP;
    title.style.left = title.style.right = '0px';
    title.style.maxWidth = 'none';
    var natural = title.getBoundingClientRect().width, side = Math.max(l, r);
    if (W - 2 * side >= natural) { l = r = side; }
    title.style.left = l + 'px';
    title.style.right = r + 'px';
    title.style.maxWidth = Math.max(0, W - l - r) + 'px';
  }

  // ------------------------------------------------------------------------------ search
  // Entries of the search index, built from the layers' own documents the first time the
  // box is used (geoplan/maps/search.py names the layers): [layer, feature, folded name,
  // folded id, the id without spaces, folded commune]; each distinct text folded once.
  function searchEntries(doc) {
    var out = [], seen = {}, k, i, spec, entry, d, name, id, commune;
    function folded(v) {
      if (v === null || v === undefined || v === '') { return ''; }
      var key = String(v);
      if (!Object.prototype.hasOwnProperty.call(seen, key)) { seen[key] = G.fold(key); }
      return seen[key];
    }
    for (k = 0; k < doc.layers.length; k++) {
      spec = doc.layers[k];
      entry = G.layers[spec.name];
      if (!entry) { continue; }
      d = entry.data;
      for (i = 0; i < d.n; i++) {
        if (!entry.hasGeometry(i)) { continue; }
        name = folded(G.value(d, 'name', i));
        id = folded(G.value(d, 'id', i));
        if (!name && !id) { continue; }
        commune = folded(G.value(d, 'commune', i));
        out.push([spec.name, i, name, id, id.replace(/ /g, ''), commune]);
      }
    }
    return out;
  }

  // How q occurs in a folded text at the start of a word: 0 ending the text on a whole word
  // ("hai phong 8" in "... hai phong 8"), 1 ending on a whole word inside it ("hoa tien" in
  // "... hoa tien 2"), 2 only as the start of a word ("... hai phong 8029"), -1 not at all.
  function tokenMatch(text, q) {
    var i = text.indexOf(q), best = -1, end;
    while (i >= 0) {
      if (i === 0 || text.charAt(i - 1) === ' ') {
        end = i + q.length;
        if (end === text.length) { return 0; }
        if (text.charAt(end) === ' ') { best = 1; }
        else if (best < 0) { best = 2; }
      }
      i = text.indexOf(q, i + 1);
    }
    return best;
  }

  // How well an entry matches a folded query (lower is better; -1 no match): the id or the
  // name exactly, whole words of the name (ending it, inside it), words of the name begun, a
  // begun id, a part of the name, every word somewhere in it, the commune.
  function score(e, q, qc, words) {
    var name = e[2], k, t;
    if (e[3] && (e[3] === q || e[4] === qc)) { return 0; }
    if (name === q) { return 1; }
    t = tokenMatch(name, q);
    if (t >= 0) { return 2 + t; }
    if (e[3] && (e[3].lastIndexOf(q, 0) === 0 || e[4].lastIndexOf(qc, 0) === 0)) { return 5; }
    if (name.indexOf(q) >= 0) { return 6; }
    if (words.length > 1) {
      for (k = 0; k < words.length && name.indexOf(words[k]) >= 0; k++) { /* all words */ }
      if (k === words.length) { return 7; }
    }
    if (e[5] && e[5].indexOf(q) >= 0) { return 8; }
    return -1;
  }

  // Among matches as good, the layers a planner looks for first: clusters and parks, the
  // power works, communes, then lines, zones and trade points.
  var IMPORTANCE = {industrial_cluster: 0, industrial_park: 0, power_plant: 1, substation: 1,
                    boundary: 2, grid_line: 3, restricted_zone: 4, trade_facility: 5};
  function importance(e) {
    var kind = G.layers[e[0]].data.kind;
    return IMPORTANCE[kind] === undefined ? 6 : IMPORTANCE[kind];
  }

  function display(e) {
    var d = G.layers[e[0]].data, i = e[1];
    var name = G.value(d, 'name', i), id = G.value(d, 'id', i), commune = G.value(d, 'commune', i);
    if (name === null || name === undefined || name === '') { name = id || e[2] || e[3]; }
    return {name: String(name), id: id === null || id === undefined ? '' : String(id),
            commune: commune === null || commune === undefined ? '' : String(commune),
            kind: lang === 'en' ? d.kindEn : d.kindVi};
  }

  G.searchControl = function (map, options) {
    options = options || {};
    var ctl = L.control({position: 'topleft'});
    ctl.onAdd = function () {
      var div = L.DomUtil.create('div', 'leaflet-bar gp-search');
      div.setAttribute('role', 'search');
      // the index is read the first time it is needed (the box gets the focus, a search)
      var entries = null, collator = null;
      function all() {
        if (entries === null) {
          entries = options.search ? searchEntries(G.data(options.search)) : [];
          collator = new Intl.Collator(lang === 'en' ? 'en' : 'vi');
        }
        return entries;
      }
      var listId = 'gp-search-list', LIMIT = 12, k;
      div.innerHTML = '<input type="search" class="gp-search-input" role="combobox" ' +
        'aria-autocomplete="list" aria-expanded="false" aria-controls="' + listId + '" ' +
        'autocomplete="off" spellcheck="false">' +
        '<ul class="gp-search-list" id="' + listId + '" role="listbox" hidden></ul>' +
        '<div class="gp-search-empty" role="status" aria-live="polite" hidden></div>';
      var input = div.querySelector('input'), list = div.querySelector('ul');
      var empty = div.querySelector('.gp-search-empty');
      input.placeholder = text('search');
      input.setAttribute('aria-label', text('searchLabel'));
      input.title = text('searchLabel');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var hits = [], active = -1;

      function find(query) {
        var q = G.fold(query), found = [], s, e, list = all();
        if (!q) { return []; }
        var qc = q.replace(/ /g, ''), words = q.split(' ');
        for (k = 0; k < list.length; k++) {
          e = list[k];
          s = score(e, q, qc, words);
          if (s >= 0) { found.push([s, e, display(e), importance(e)]); }
        }
        found.sort(function (a, b) {
          // the best match first ("hai phong 8": the cluster "… Hải Phòng 8" before the
          // market "… Hải Phòng 8029"), then the more important layer, the shorter name
          return a[0] - b[0] || a[3] - b[3] || a[1][2].length - b[1][2].length ||
            collator.compare(a[2].name, b[2].name) ||
            collator.compare(a[2].kind, b[2].kind);
        });
        return found;
      }

      function close() {
        list.hidden = true;
        list.innerHTML = '';
        input.setAttribute('aria-expanded', 'false');
        input.removeAttribute('aria-activedescendant');
        active = -1;
      }

      function mark(n) {
        var items = list.querySelectorAll('li[role=option]');
        if (!items.length) { return; }
        active = (n + items.length) % items.length;
        for (k = 0; k < items.length; k++) {
          items[k].classList.toggle('gp-active', k === active);
          items[k].setAttribute('aria-selected', k === active ? 'true' : 'false');
        }
        input.setAttribute('aria-activedescendant', items[active].id);
        items[active].scrollIntoView({block: 'nearest'});
      }

      function suggest() {
        var query = input.value;
        hits = find(query);
        close();
        empty.hidden = !(G.fold(query) && !hits.length);
        empty.innerHTML = empty.hidden ? '' : html('noMatch');
        if (!hits.length) { return; }
        var parts = [], h, n = Math.min(hits.length, LIMIT), extra;
        for (k = 0; k < n; k++) {
          h = hits[k][2];
          extra = [];
          if (h.id && h.id !== h.name) { extra.push(G.esc(h.id)); }
          if (h.commune && hits[k][0] === 7) {
            extra.push(G.esc(WORDS.inCommune[lang === 'en' ? 1 : 0]) + ' ' + G.esc(h.commune));
          }
          parts.push('<li role="option" id="gp-search-opt-' + k + '" data-k="' + k +
            '" aria-selected="false"><span class="gp-hit-name">' + G.esc(h.name) +
            '</span> <span class="gp-hit-kind">' + G.esc(h.kind) +
            (extra.length ? ' · ' + extra.join(' · ') : '') + '</span></li>');
        }
        if (hits.length > n) {
          parts.push('<li class="gp-search-more" aria-hidden="true">+' +
            (hits.length - n).toLocaleString('vi-VN') + ' ' +
            G.esc(WORDS.more[lang === 'en' ? 1 : 0]) + '</li>');
        }
        list.innerHTML = parts.join('');
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }

      function pick(n) {
        var hit = hits[n];
        if (!hit) { return null; }
        var h = hit[2];
        input.value = h.name;
        close();
        empty.hidden = true;
        go(hit[1]);
        return h;
      }

      function go(e) {
        var entry = G.layers[e[0]], obj = entry.object(e[1]);
        if (!obj) { return; }
        if (!map.hasLayer(entry.group)) { map.addLayer(entry.group); }
        var open = function () { G.openFeature(map, obj); };
        if (entry.group.zoomToShowLayer && obj.getLatLng) {
          entry.group.zoomToShowLayer(obj, open);
        } else if (obj.getLatLng) {
          map.setView(obj.getLatLng(), Math.max(map.getZoom(), 14), {animate: false});
          open();
        } else {
          map.fitBounds(obj.getBounds(), {maxZoom: 15, animate: false});
          open();
        }
      }

      input.addEventListener('input', suggest);
      input.addEventListener('focus', function () {
        all();
        if (input.value) { suggest(); }
      });
      input.addEventListener('keydown', function (e) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          if (list.hidden) { suggest(); }
          var down = e.key === 'ArrowDown';
          mark(active < 0 ? (down ? 0 : -1) : active + (down ? 1 : -1));
          e.preventDefault();
        } else if (e.key === 'Enter') {
          if (list.hidden && input.value) { suggest(); }
          pick(active >= 0 ? active : 0);
          e.preventDefault();
        } else if (e.key === 'Escape') {
          if (!list.hidden) { close(); } else { input.value = ''; empty.hidden = true; }
          e.stopPropagation();
        }
      });
      // mousedown keeps the focus in the box; the click picks
      list.addEventListener('mousedown', function (e) { e.preventDefault(); });
      list.addEventListener('click', function (e) {
        var li = e.target.closest ? e.target.closest('li[role=option]') : null;
        if (li) { pick(Number(li.getAttribute('data-k'))); }
      });
      input.addEventListener('blur', function () { setTimeout(close, 150); });

      // labels "name — kind" (numbered when repeated): what G.search(label) picks; made the
      // first time they are asked for
      var index = null;
      function labels() {
        if (index) { return index; }
        var seen = {}, label, n, h, j, entries = all();
        index = {};
        for (j = 0; j < entries.length; j++) {
          h = display(entries[j]);
          label = h.name + ' — ' + h.kind;
          n = seen[label] ? ++seen[label] : (seen[label] = 1);
          if (n > 1) { label += ' (' + n + ')'; }
          index[label] = [label, entries[j][0], entries[j][1]];
        }
        return index;
      }
      Object.defineProperty(G, 'searchIndex', {get: labels, configurable: true});
      G.searchFind = function (query) {
        return find(query).map(function (f) { return {layer: f[1][0], i: f[1][1], name: f[2].name}; });
      };
      // pick a label of G.searchIndex, or the best match of a query; returns what was picked
      G.search = function (query) {
        var hit = labels()[query];
        if (hit) {
          input.value = query;
          close();
          go([hit[1], hit[2]]);
          return display([hit[1], hit[2]]);
        }
        input.value = query;
        suggest();
        return pick(0);
      };
      return div;
    };
    return ctl;
  };

  G.htmlControl = function (html, position, className) {
    var ctl = L.control({position: position});
    ctl.onAdd = function () {
      var div = L.DomUtil.create('div', className);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    return ctl;
  };

  // The title block, inside the map container (kept in full screen).
  G.titleBlock = function (map, html) {
    var div = L.DomUtil.create('div', 'gp-title', map.getContainer());
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };

  function measureControl(map) {
    // Workaround for leaflet-measure with Leaflet >= 1.8 (ljagis/leaflet-measure#171),
    // the same as folium's.
    L.Control.Measure.include({
      _setCaptureMarkerIcon: function () {
        this._captureMarker.options.autoPanOnFocus = false;
        this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
      }
    });
    // leaflet-measure styles its vertices through their SVG elements: give its own layers an
    // SVG renderer (the map draws everything else on canvas)
    var measureSvg = L.svg({padding: 0.5});
    L.Control.Measure.addInitHook(function () {
      var symbols = this._symbols, get = symbols.getSymbol;
      symbols.getSymbol = function (name) {
        return L.extend({}, get.call(symbols, name), {renderer: measureSvg});
      };
    });
    new L.Control.Measure({
      position: 'topleft', primaryLengthUnit: 'kilometers', secondaryLengthUnit: 'meters',
      primaryAreaUnit: 'hectares', secondaryAreaUnit: 'sqmeters', activeColor: '#d7191c',
      completedColor: '#2c7bb6'
    }).addTo(map);
  }

  // Every control of the map, once its layers are built (called by geoplan.finish).
  G.controls = function (map, options) {
    options = options || {};
    var t0 = performance.now();
    lang = options.lang === 'en' ? 'en' : 'vi';
    L.control.scale({imperial: false, maxWidth: 160, position: 'bottomleft'}).addTo(map);
    if (L.Control.FullScreen) {
      L.control.fullscreen({position: 'topleft', title: text('fullscreen'),
                            titleCancel: text('exitFullscreen')}).addTo(map);
    }
    if (L.Control.Measure) { measureControl(map); }
    if (options.search) { G.searchControl(map, options).addTo(map); }

    var root = map.getContainer(), parts = {};
    var open = map.getSize().x >= (options.collapseBelow || 1600);
    var relayout = function (state) { layout(map, parts, state); };
    var layersEl = root.querySelector('.leaflet-control-layers');
    if (layersEl) {
      var form = layersEl.querySelector('.leaflet-control-layers-list');
      parts.layers = collapsible(layersEl, form, html('layers'), open, relayout);
      layersEl.classList.add('gp-layers');
    }
    var legendEl = root.querySelector('.gp-legend');
    if (legendEl) {
      var body = legendEl.querySelector('.gp-legend-body') || legendEl.firstElementChild;
      if (body) { parts.legend = collapsible(legendEl, body, html('legend'), open, relayout); }
    }
    var titleEl = root.querySelector('.gp-title');
    if (titleEl) {
      var more = titleEl.querySelector('.gp-title-more');
      var line = titleEl.querySelector('.gp-title-line');
      if (more && line) {
        parts.title = collapsible(titleEl, more, '', open || map.getSize().y >= 600,
                                  relayout, null);
        line.appendChild(parts.title.button);
        parts.title.button.setAttribute('aria-label', text('title'));
      }
    }
    G.controlParts = parts;
    G.layoutControls = function () { layout(map, parts, null); };
    map.on('resize', G.layoutControls);
    layout(map, parts, null);
    setTimeout(G.layoutControls, 0);  // once the attribution is in its corner
    G.controlsMs = performance.now() - t0;
  };
})(window);
