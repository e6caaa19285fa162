/* geoplan map runtime (MIT, part of geoplan).
 *
 * Draws the layer documents written by geoplan.maps.interactive on one Leaflet canvas. Their
 * format (keys n, s, c, g, r, k, type, t, cols, p, f, tt, label, st, si, cluster, lbl, mv ...,
 * and geoplan.config) is specified once, in the docstring of geoplan/maps/codec.py, which also
 * holds the Python encoder and a decoder that mirrors geometries() and value() below.
 * Coordinates arrive latitude first: nothing here swaps axes.
 * Styles come from geoplan.maps.styles (Python); this file only applies them.
 */
(function (global) {
  'use strict';
  var G = global.geoplan = global.geoplan || {};
  G.layers = G.layers || {};
  G.order = G.order || [];
  G.pending = 0;
  G.t0 = performance.now();

  // ------------------------------------------------------------------ symbols on the canvas
  function tracePath(ctx, shape, x, y, r) {
    var i, n, a0, a, rr;
    if (shape === 'circle') {
      ctx.arc(x, y, r, 0, Math.PI * 2, false);
      return;
    }
    if (shape === 'star') {
      for (i = 0; i < 10; i++) {
        a = -Math.PI / 2 + i * Math.PI / 5;
        rr = (i % 2 === 0) ? r * 1.25 : r * 0.55;
        if (i === 0) { ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
        else { ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
      }
      ctx.closePath();
      return;
    }
    n = {square: 4, diamond: 4, triangle: 3, triangle_down: 3, pentagon: 5, hexagon: 6}[shape] || 4;
    a0 = {square: Math.PI / 4, diamond: -Math.PI / 2, triangle: -Math.PI / 2,
          triangle_down: Math.PI / 2, pentagon: -Math.PI / 2, hexagon: 0}[shape] || 0;
    rr = {square: r * 1.3, diamond: r * 1.3, triangle: r * 1.4, triangle_down: r * 1.4,
          pentagon: r * 1.15, hexagon: r * 1.1}[shape] || r;
    for (i = 0; i < n; i++) {
      a = a0 + i * 2 * Math.PI / n;
      if (i === 0) { ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
      else { ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
    }
    ctx.closePath();
  }
  G.tracePath = tracePath;

  L.Canvas.include({
    _updateGeoplanSymbol: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, o = layer.options;
      var r = Math.max(Math.round(layer._radius), 1);
      ctx.beginPath();
      tracePath(ctx, o.shape || 'circle', p.x, p.y, r);
      this._fillStroke(ctx, layer);
      if (o.glyph && r >= 6) {
        ctx.globalAlpha = 1;
        ctx.fillStyle = o.glyphColor || '#ffffff';
        ctx.font = 'bold ' + Math.round(Math.min(r * 1.15, 2.6 * r / o.glyph.length)) +
          'px sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(o.glyph, p.x, p.y + 0.5);
      }
    }
  });

  // Leaflet finds its default marker pictures from a CSS url; inlined as data: URIs that
  // detection fails, so give them here (G.iconImages is set by geoplan.maps.interactive).
  if (G.iconImages) {
    L.Icon.Default.mergeOptions({imagePath: '', iconUrl: G.iconImages.icon,
                                 iconRetinaUrl: G.iconImages.icon2x,
                                 shadowUrl: G.iconImages.shadow});
  }

  G.Symbol = L.CircleMarker.extend({
    _updatePath: function () {
      if (this._renderer._updateGeoplanSymbol) { this._renderer._updateGeoplanSymbol(this); }
      else { this._renderer._updateCircle(this); }
    }
  });

  // ------------------------------------------------------------------------------ values
  function esc(v) {
    return String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  }
  G.esc = esc;

  function value(d, name, i) {
    var col = d.p[name];
    if (col === undefined || col === null) { return null; }
    if (Array.isArray(col)) { return col[i]; }
    var code = col.k[i];
    if (code === null || code === undefined || code < 0) { return null; }
    if (col.tp) { return fill(col.tp[code], col.a[i]); }
    return col.v[code];
  }
  // a templated text: each \u0001 of the template takes the next argument
  function fill(template, args) {
    var pieces = template.split('\u0001'), out = pieces[0], k;
    for (k = 1; k < pieces.length; k++) { out += (args[k - 1] || '') + pieces[k]; }
    return out;
  }
  G.value = value;

  function fmtNumber(v) {
    var a = Math.abs(v), digits = a >= 100 ? 0 : (a >= 10 ? 1 : 2);
    if (Number.isInteger(v)) { digits = 0; }
    return v.toLocaleString('vi-VN', {maximumFractionDigits: digits});
  }

  function show(d, name, v, lang) {
    if (v === null || v === undefined || v === '') { return '—'; }
    if (typeof v === 'boolean') {
      return lang === 'en' ? (v ? 'yes' : 'no') : (v ? 'có' : 'không');
    }
    var labels = G.config && G.config.values[name];
    if (labels && labels[v]) { return labels[v][lang === 'en' ? 1 : 0]; }
    if (typeof v === 'number') { return fmtNumber(v); }
    return String(v);
  }

  function withUnit(d, name, v) {
    var f = d.f[name], u = f && f[2];
    var text = esc(show(d, name, v, 'vi'));
    var en = (typeof v === 'string' || typeof v === 'boolean') ? show(d, name, v, 'en') : null;
    if (en !== null && en !== show(d, name, v, 'vi')) {
      text += ' <span class="gp-en">/ ' + esc(en) + '</span>';
    }
    if (u && v !== null && v !== undefined && v !== '') { text += ' ' + esc(u); }
    return text;
  }

  G.popupHtml = function (d, i) {
    var name = value(d, 'name', i), rows = [], cols = d.cols, k, f, v;
    for (k = 0; k < cols.length; k++) {
      f = d.f[cols[k]];
      v = value(d, cols[k], i);
      rows.push('<tr><th>' + esc(f[0]) + '<br><span class="gp-en">' + esc(f[1]) +
                '</span></th><td>' + withUnit(d, cols[k], v) + '</td></tr>');
    }
    if (d.kind === 'findings') { return findingPopupHtml(d, i, rows); }
    return '<div class="gp-popup"><div class="gp-popup-kind">' + esc(d.kindVi) +
      ' <span class="gp-en">/ ' + esc(d.kindEn) + '</span> · ' + esc(d.title) + '</div>' +
      '<h4>' + esc(name === null || name === undefined ? (value(d, 'id', i) || '—') : name) +
      '</h4><table>' + rows.join('') + '</table>' + findingsList(d.name, i) + '</div>';
  };

  // ------------------------------------------------------------------------------ findings
  function lang() { return (G.config && G.config.lang) || 'vi'; }
  // the title of a rule in the map's language, the other language after it
  function ruleTitle(rule) {
    var t = G.config && G.config.rules && G.config.rules[rule];
    if (!t) { return esc(rule || '—'); }
    var en = lang() === 'en';
    return esc(t[en ? 1 : 0]) + ' <span class="gp-en">/ ' + esc(t[en ? 0 : 1]) + '</span>';
  }
  function refOf(r, j) {
    if (!r || r.k[j] < 0 || r.i[j] < 0) { return null; }
    return {layer: r.l[r.k[j]], i: r.i[j]};
  }
  G.refOf = refOf;
  // the name (or id) of a feature of a plan layer, for a link to it
  function featureName(name, i) {
    var e = G.layers[name], v;
    if (!e) { return null; }
    v = value(e.data, 'name', i);
    if (v === null || v === undefined || v === '') { v = value(e.data, 'id', i); }
    return v === null || v === undefined ? '#' + i : String(v);
  }
  function featureLink(ref) {
    var e = G.layers[ref.layer];
    if (!e) { return ''; }
    return '<a href="#" class="gp-link-feature" data-layer="' + esc(ref.layer) + '" data-i="' +
      ref.i + '">' + esc(featureName(ref.layer, ref.i)) + '</a> <span class="gp-en">(' +
      esc(e.data.kindVi) + ' / ' + esc(e.data.kindEn) + ')</span>';
  }
  function severityText(d, j) {
    var v = value(d, 'severity', j), labels = G.config && G.config.values.severity;
    if (v === null || v === undefined) { return '—'; }
    return esc(labels && labels[v] ? labels[v][lang() === 'en' ? 1 : 0] : v);
  }
  function findingPopupHtml(d, j, rows) {
    var a = refOf(d.ref, j), b = refOf(d.ref2, j), links = [];
    if (a) {
      links.push('<tr><th>Đối tượng<br><span class="gp-en">Feature</span></th><td>' +
                 featureLink(a) + '</td></tr>');
    }
    if (b) {
      links.push('<tr><th>Đối tượng liên quan<br><span class="gp-en">Other feature</span></th>' +
                 '<td>' + featureLink(b) + '</td></tr>');
    }
    var sev = value(d, 'severity', j);
    return '<div class="gp-popup gp-finding-popup"><div class="gp-popup-kind">' + esc(d.kindVi) +
      ' <span class="gp-en">/ ' + esc(d.kindEn) + '</span></div>' +
      '<h4 class="gp-sev-' + esc(sev || 'none') + '">' + ruleTitle(value(d, 'rule', j)) +
      '</h4><table>' + links.join('') + rows.join('') + '</table></div>';
  }
  // the findings of feature i of layer name, listed in its popup
  var LIST_MAX = 12;
  function findingsList(name, i) {
    var list = G.findingsOf[name] && G.findingsOf[name][i], out = [], k, f, d, j;
    if (!list || !list.length) { return ''; }
    for (k = 0; k < list.length && k < LIST_MAX; k++) {
      f = list[k];
      d = G.layers[f[0]].data;
      j = f[1];
      out.push('<li class="gp-sev-' + esc(value(d, 'severity', j) || 'none') + '">' +
               '<a href="#" class="gp-link-finding" data-layer="' + esc(f[0]) + '" data-i="' + j +
               '">' + ruleTitle(value(d, 'rule', j)) + '</a> · ' + severityText(d, j) +
               '<div class="gp-finding-msg">' + esc(value(d, 'message', j) || '') + '</div></li>');
    }
    if (list.length > LIST_MAX) {
      out.push('<li>… ' + (list.length - LIST_MAX) + ' nữa <span class="gp-en">/ more</span></li>');
    }
    return '<div class="gp-findings"><h5>Kết quả kiểm tra <span class="gp-en">/ Findings</span> (' +
      list.length + ')</h5><ul>' + out.join('') + '</ul></div>';
  }
  G.findingsOf = G.findingsOf || {};

  G.tooltipHtml = function (d, i) {
    var head = value(d, d.label || 'name', i), parts = [], k, v, f;
    if (head === null || head === undefined) { head = value(d, 'id', i); }
    for (k = 0; k < d.tt.length; k++) {
      v = value(d, d.tt[k], i);
      if (v === null || v === undefined || v === '') { continue; }
      f = d.f[d.tt[k]];
      parts.push(esc(show(d, d.tt[k], v, 'vi')) + (f && f[2] ? ' ' + esc(f[2]) : ''));
    }
    return '<b>' + esc(head === null || head === undefined ? '—' : head) + '</b>' +
      (parts.length ? '<br>' + parts.join(' · ') : '');
  };

  // ---------------------------------------------------------------------- packed integers
  // A packed integer array (codec.py, "Packed integers"): digits '!'..'}' without " & < > \\,
  // worth 0..87; digits below 40 lead an integer (base 40), the one at or above 40 ends it
  // (z = lead * 48 + digit - 40); z is zig-zagged; a leading '~' means differences.
  var DIGIT = new Int8Array(128), CONTINUE = 40, TERMINAL;
  (function () {
    var ch, q = 0;
    for (ch = 0; ch < 128; ch++) { DIGIT[ch] = -1; }
    for (ch = 0x21; ch <= 0x7d; ch++) {
      if (ch !== 0x22 && ch !== 0x26 && ch !== 0x3c && ch !== 0x3e && ch !== 0x5c) { DIGIT[ch] = q++; }
    }
    TERMINAL = q - CONTINUE;  // 88 digits: 40 leading, 48 closing
  })();
  function ints(x) {
    if (typeof x !== 'string') { return x; }  // a short array stays plain JSON
    var len = x.length, out = new Float64Array(len), n = 0, acc = 0, prev = 0, i = 0, ch, dg, z;
    var delta = len > 0 && x.charCodeAt(0) === 126;
    if (delta) { i = 1; }
    for (; i < len; i++) {
      ch = x.charCodeAt(i);
      dg = ch < 128 ? DIGIT[ch] : -1;
      if (dg < 0) { throw new Error('map data: ' + x.charAt(i) + ' is not a packed digit'); }
      if (dg < CONTINUE) { acc = acc * CONTINUE + dg; continue; }
      z = acc * TERMINAL + (dg - CONTINUE);
      acc = 0;
      z = (z % 2 === 1) ? -(z + 1) / 2 : z / 2;
      if (delta) { prev += z; z = prev; }
      out[n++] = z;
    }
    if (acc !== 0 || (len > (delta ? 1 : 0) && DIGIT[x.charCodeAt(len - 1)] < CONTINUE)) {
      throw new Error('map data: a packed integer array ends inside an integer');
    }
    return out.subarray(0, n);
  }
  G.ints = ints;
  // the texts of a {pn, k, x} column: prefix, then the next number padded to its width
  function numbered(col) {
    var k = ints(col.k), x = ints(col.x), out = new Array(k.length), j = 0, i, e, s;
    for (i = 0; i < k.length; i++) {
      if (k[i] < 0) { out[i] = null; continue; }
      e = col.pn[k[i]];
      if (!e[1]) { out[i] = e[0]; continue; }
      s = String(x[j++]);
      out[i] = e[0] + (s.length < e[1] ? '0'.repeat(e[1] - s.length) + s : s);
    }
    return out;
  }
  // every packed array of a document as numbers, every {pn} column as its texts (the twin
  // of codec.unpack): what the rest of this file reads
  function unpack(d) {
    var keys = ['c', 'g', 'r', 'k', 't', 'si'], q, name, col;
    if (!d || typeof d !== 'object') { return d; }
    for (q = 0; q < keys.length; q++) {
      if (d[keys[q]] !== undefined && d[keys[q]] !== null) { d[keys[q]] = ints(d[keys[q]]); }
    }
    if (d.mv) { unpack(d.mv); }
    if (d.ref) { d.ref.k = ints(d.ref.k); d.ref.i = ints(d.ref.i); }
    if (d.ref2) { d.ref2.k = ints(d.ref2.k); d.ref2.i = ints(d.ref2.i); }
    for (name in d.p || {}) {
      col = d.p[name];
      if (!col || Array.isArray(col)) { continue; }
      if (col.pn) { d.p[name] = numbered(col); } else { col.k = ints(col.k); }
    }
    return d;
  }
  G.unpack = unpack;

  // ----------------------------------------------------------------------------- geometry
  function decode(d) {
    var c = d.c, n = c.length, out = new Float64Array(n), s = d.s, a = 0, b = 0, i;
    for (i = 0; i < n; i += 2) {
      a += c[i];
      b += c[i + 1];
      out[i] = a / s;
      out[i + 1] = b / s;
    }
    return out;
  }

  function geometries(d) {
    var xy = decode(d), feats = new Array(d.n), ci = 0, ri = 0, pi = 0, f, p, r, k;
    for (f = 0; f < d.n; f++) {
      var np = d.g ? d.g[f] : 1, parts = new Array(np);
      for (p = 0; p < np; p++, pi++) {
        var nr = d.r ? d.r[pi] : 1, rings = new Array(nr);
        for (r = 0; r < nr; r++, ri++) {
          var nc = d.k ? d.k[ri] : 1, ring = new Array(nc);
          for (k = 0; k < nc; k++, ci += 2) { ring[k] = new L.LatLng(xy[ci], xy[ci + 1]); }
          rings[r] = ring;
        }
        parts[p] = rings;
      }
      feats[f] = parts;
    }
    return feats;
  }

  function featureLayer(d, parts, type, style, i) {
    var obj, p;
    if (type === 0) {
      if (parts.length === 1) {
        obj = new G.Symbol(parts[0][0][0], style);
      } else {
        var marks = [];
        for (p = 0; p < parts.length; p++) { marks.push(new G.Symbol(parts[p][0][0], style)); }
        obj = L.featureGroup(marks);
      }
    } else if (type === 1) {
      var lines = [];
      for (p = 0; p < parts.length; p++) { lines.push(parts[p][0]); }
      obj = L.polyline(lines.length === 1 ? lines[0] : lines, style);
    } else {
      obj = L.polygon(parts.length === 1 ? parts[0] : parts, style);
    }
    obj._gp = {d: d, i: i};
    return obj;
  }

  // A diagonal hatch usable as a canvas fillStyle (restricted zones, coverage gaps).
  var hatches = {};
  function hatch(color) {
    if (hatches[color]) { return hatches[color]; }
    var c = document.createElement('canvas'), ctx;
    c.width = c.height = 8;
    ctx = c.getContext('2d');
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(0, 8); ctx.lineTo(8, 0);
    ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
    ctx.moveTo(6, 10); ctx.lineTo(10, 6);
    ctx.stroke();
    hatches[color] = ctx.createPattern(c, 'repeat');
    return hatches[color];
  }
  G.hatch = hatch;

  function openFeature(map, obj, latlng) {
    var info = obj._gp || (obj.getLayers && obj.getLayers()[0] && obj.getLayers()[0]._gp);
    if (!info) { return; }
    L.popup({maxWidth: 360, maxHeight: 360, autoPanPadding: [20, 20]})
      .setLatLng(latlng || centre(obj))
      .setContent(G.popupHtml(info.d, info.i))
      .openOn(map);
  }
  G.openFeature = openFeature;

  function centre(obj) {
    if (obj.getLatLng) { return obj.getLatLng(); }
    return obj.getBounds().getCenter();
  }

  // Dense point layers: clusters from supercluster (a k-d tree per zoom level, built once in a
  // few tens of milliseconds), drawn as canvas symbols; only what is in view is on the map.
  G.ClusterLayer = L.FeatureGroup.extend({
    // points: [[lat, lng, feature index], ...]; make(i): the symbol of feature i (built the
    // first time it is shown on its own, so 20,000 points cost 20,000 symbols only if seen)
    initialize: function (points, make, options) {
      L.FeatureGroup.prototype.initialize.call(this, [], options);
      this._points = points;
      this._makeMarker = make;
      this._clusterStyle = options.clusterStyle;
      var features = new Array(points.length), i;
      for (i = 0; i < points.length; i++) {
        features[i] = {type: 'Feature', properties: {i: points[i][2]},
                       geometry: {type: 'Point', coordinates: [points[i][1], points[i][0]]}};
      }
      this._index = new Supercluster({radius: options.clusterRadius || 50,
                                      maxZoom: options.maxClusterZoom || 14,
                                      minZoom: 0}).load(features);
      this._shown = {};
    },
    onAdd: function (map) {
      L.FeatureGroup.prototype.onAdd.call(this, map);
      map.on('moveend', this._refresh, this);
      this._refresh();
    },
    onRemove: function (map) {
      map.off('moveend', this._refresh, this);
      L.FeatureGroup.prototype.onRemove.call(this, map);
      this.clearLayers();
      this._shown = {};
    },
    markerCount: function () { return this._points.length; },
    _refresh: function () {
      var map = this._map;
      if (!map) { return; }
      var b = map.getBounds().pad(0.25), z = Math.round(map.getZoom()), next = {}, k, c, key;
      var clusters = this._index.getClusters(
        [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
         Math.min(180, b.getEast()), Math.min(85, b.getNorth())], z);
      for (k = 0; k < clusters.length; k++) {
        c = clusters[k];
        key = c.properties.cluster ? 'c' + c.properties.cluster_id + '@' + z : 'm' + c.properties.i;
        next[key] = this._shown[key] || this._make(c);
        if (!next[key]) { delete next[key]; }
      }
      for (key in this._shown) {
        if (!next[key]) { this.removeLayer(this._shown[key]); }
      }
      for (key in next) {
        if (!this._shown[key]) { this.addLayer(next[key]); }
      }
      this._shown = next;
    },
    _make: function (c) {
      if (!c.properties.cluster) { return this._makeMarker(c.properties.i); }
      var n = c.properties.point_count, st = L.extend({}, this._clusterStyle);
      st.radius = Math.min(22, 9 + 3 * Math.log10(n) * 1.6);
      st.glyph = n >= 1000 ? Math.round(n / 1000) + 'k' : String(n);
      var m = new G.Symbol([c.geometry.coordinates[1], c.geometry.coordinates[0]], st);
      m._gpCluster = {id: c.properties.cluster_id, n: n, layer: this, label: this.options.label};
      return m;
    },
    // Zoom until a marker is shown on its own, then call back (search).
    zoomToShowLayer: function (marker, callback) {
      var map = this._map, z;
      if (!map) { return; }
      z = Math.max(map.getZoom(), (this._index.options.maxZoom || 14) + 1);
      map.setView(marker.getLatLng(), z, {animate: false});
      this._refresh();
      if (callback) { callback(); }
    },
    expand: function (cluster) {
      var info = cluster._gpCluster, z = this._index.getClusterExpansionZoom(info.id);
      this._map.setView(cluster.getLatLng(), Math.min(z, this._map.getMaxZoom()));
    }
  });

  // Names of boundary polygons (communes, the province) as text on the map, shown with their
  // layer once zoomed in enough that they do not crowd each other.
  function nameLabels(map, d, group) {
    var labels = L.layerGroup(), made = false, i, p, v;
    function update() {
      var want = map.hasLayer(group) && map.getZoom() >= (d.lblZoom || 10);
      if (want && !made) {
        for (i = 0; i < d.n; i++) {
          p = d.lbl[i];
          v = value(d, 'name', i);
          if (!p || v === null || v === undefined) { continue; }
          if (value(d, 'level', i) === 'province') { continue; }
          labels.addLayer(L.marker(p, {
            interactive: false, keyboard: false,
            icon: L.divIcon({className: 'gp-label', html: '<span>' + esc(v) + '</span>',
                           iconSize: null})
          }));
        }
        made = true;
      }
      if (want && !map.hasLayer(labels)) { map.addLayer(labels); }
      if (!want && map.hasLayer(labels)) { map.removeLayer(labels); }
    }
    map.on('zoomend', update);
    group.on('add remove', function () { setTimeout(update, 0); });
    setTimeout(update, 0);
  }

  // Arrows of a plan diff's moved features: not features of the layer (not counted, not
  // interactive), shown and hidden with it.
  function moveArrows(map, d, group) {
    var arrows = geometries(d.mv), layer = L.layerGroup(), f, p, paths;
    var line = L.extend({}, d.mvStyle, {interactive: false});
    var origin = L.extend({}, d.mvOrigin, {interactive: false});
    for (f = 0; f < arrows.length; f++) {
      if (!arrows[f].length) { continue; }
      paths = [];
      for (p = 0; p < arrows[f].length; p++) { paths.push(arrows[f][p][0]); }
      layer.addLayer(L.polyline(paths, line));
      layer.addLayer(new G.Symbol(arrows[f][0][0][0], origin));  // where the feature was
    }
    group.on('add', function () { map.addLayer(layer); });
    group.on('remove', function () { map.removeLayer(layer); });
    if (map.hasLayer(group)) { map.addLayer(layer); }
    return layer;
  }

  // The style of a finding drawn over the feature it concerns: an outline, a wide halo or a
  // ring in the finding's colour, never interactive (the click goes to the feature beneath).
  function highlightStyle(st, type) {
    if (type === 0) {
      return {shape: 'circle', radius: 11, color: st.color, weight: 3, opacity: 1, fill: false,
              interactive: false};
    }
    if (type === 1) {
      return {color: st.color, weight: 8, opacity: 0.5, lineCap: 'round', lineJoin: 'round',
              fill: false, interactive: false};
    }
    return {color: st.color, weight: 3, opacity: 1, fill: true, fillColor: st.color,
            fillOpacity: 0.12, lineJoin: 'round', interactive: false};
  }
  var SEVERITY_RANK = {error: 0, warning: 1, info: 2};

  // The text a placeholder stands for (codec.party_text): a feature's id, or its name quoted.
  function partyText(v, quoted) {
    if (v === null || v === undefined || typeof v === 'boolean') { return ''; }
    return quoted ? '"' + String(v) + '"' : String(v);
  }
  // What a findings document leaves to its references (codec.py, "rc" and "Placeholders"),
  // filled in once from the referenced layers' documents: the columns layer / feature_id and
  // other_layer / other_id of the findings with a reference, and the placeholders of the
  // templated texts. The twin of codec.decode_findings_column.
  function resolveFindings(d) {
    var rc = d.rc || [], k, j, m, c, r, isId, sparse, out, at, col, args, x;
    for (k = 0; k < rc.length; k++) {
      c = rc[k];
      r = (c === 'layer' || c === 'feature_id') ? d.ref : d.ref2;
      isId = c === 'feature_id' || c === 'other_id';
      sparse = {p: {v: d.p[c]}};
      out = new Array(d.n);
      for (j = 0, m = 0; j < d.n; j++) {
        at = refOf(r, j);
        if (!at) { out[j] = value(sparse, 'v', m++); continue; }
        out[j] = isId ? partyText(value(G.layers[at.layer].data, 'id', at.i), false) : at.layer;
      }
      d.p[c] = out;
    }
    for (k = 0; k < d.cols.length; k++) {
      col = d.p[d.cols[k]];
      if (!col || !col.tp) { continue; }
      for (j = 0; j < d.n; j++) {
        args = col.a[j];
        for (m = 0; args && m < args.length; m++) {
          x = args[m];
          if (typeof x !== 'number') { continue; }
          at = refOf(x < 2 ? d.ref : d.ref2, j);
          args[m] = at ? partyText(value(G.layers[at.layer].data, x % 2 ? 'name' : 'id', at.i),
                                   x % 2 === 1) : '';
        }
      }
    }
  }
  // The point of an aggregated finding drawn from what the page has (codec.py, "ap"): the
  // first vertex of its own geometry, else its feature's point, line middle vertex or name
  // label; undefined when the page sends it.
  function derivedPoint(d, feats, j) {
    var r, e, parts, fam, ring, p;
    if (feats[j].length) { p = feats[j][0][0][0]; return [p.lat, p.lng]; }
    r = refOf(d.ref, j);
    if (!r) { return undefined; }
    e = G.layers[r.layer];
    parts = e.geometry(r.i);
    fam = e.type(r.i);
    if (parts.length && (fam === 0 || fam === 1)) {
      ring = parts[0][0];
      p = ring[fam === 1 ? Math.floor(ring.length / 2) : 0];
      return [p.lat, p.lng];
    }
    if (e.data.lbl) { return e.data.lbl[r.i]; }
    return undefined;
  }

  // A findings layer: findings that concern a feature highlight it (by index, see codec.py);
  // those with their own geometry draw it; rules with very many findings (d.ag) are clusters
  // with counts until zoomed in. Every feature's popup lists its findings.
  function buildFindings(map, d) {
    var t0 = performance.now();
    var feats = geometries(d), objs = new Array(d.n), j, k, a, b, list = [], count = 0;
    resolveFindings(d);
    for (k = 0; k < d.st.length; k++) {
      if (d.st[k].hatch) { d.st[k].fillColor = hatch(d.st[k].fillColor); d.st[k].fillOpacity = 0.8; }
    }
    function index(ref, j) {
      var byLayer = G.findingsOf[ref.layer] = G.findingsOf[ref.layer] || {};
      (byLayer[ref.i] = byLayer[ref.i] || []).push([d.name, j]);
    }
    function style(j) { return d.st[d.si ? d.si[j] : 0]; }
    function drawable(j) {
      var r = refOf(d.ref, j);
      return feats[j].length > 0 || (r !== null && G.layers[r.layer] !== undefined &&
                                     G.layers[r.layer].hasGeometry(r.i));
    }
    function make(j) {
      if (objs[j] !== undefined) { return objs[j]; }
      var r = refOf(d.ref, j), st = style(j), obj = null, e;
      if (feats[j].length) {  // its own geometry; over its feature it takes no click
        obj = featureLayer(d, feats[j], d.t ? d.t[j] : d.type,
                           r ? L.extend({}, st, {interactive: false}) : st, j);
      } else if (drawable(j)) {
        e = G.layers[r.layer];
        obj = featureLayer(d, e.geometry(r.i), e.type(r.i), highlightStyle(st, e.type(r.i)), j);
      }
      objs[j] = obj;
      return obj;
    }
    var aggregated = {}, points = {}, api = 0, best = {}, rule, key, sev;
    for (k = 0; d.ag && k < d.ag.length; k++) { aggregated[d.ag[k]] = true; points[d.ag[k]] = []; }
    for (j = 0; j < d.n; j++) {
      a = refOf(d.ref, j);
      b = refOf(d.ref2, j);
      if (a) { index(a, j); }
      if (b && (!a || b.layer !== a.layer || b.i !== a.i)) { index(b, j); }
      rule = value(d, 'rule', j);
      if (d.ag && aggregated[rule]) {
        var p = derivedPoint(d, feats, j);
        if (p === undefined) { p = d.ap[api++]; }
        if (p && drawable(j)) { points[rule].push([p[0], p[1], j]); }
        continue;
      }
      if (a && !feats[j].length) {  // one highlight per feature: its most severe finding
        key = a.layer + '\u0001' + a.i;
        sev = SEVERITY_RANK[value(d, 'severity', j)];
        if (sev === undefined) { sev = 3; }
        if (best[key] === undefined || sev < best[key][1]) { best[key] = [j, sev]; }
        continue;
      }
      if (make(j)) { list.push(objs[j]); }
    }
    for (key in best) {
      if (make(best[key][0])) { list.push(objs[best[key][0]]); }
    }
    count = list.length;
    var colors = (G.config && G.config.styles && G.config.styles.severity) || {};
    for (rule in points) {
      var worst = 'info';
      for (k = 0; k < points[rule].length; k++) {
        sev = value(d, 'severity', points[rule][k][2]);
        if (SEVERITY_RANK[sev] < SEVERITY_RANK[worst]) { worst = sev; }
      }
      var t = G.config && G.config.rules && G.config.rules[rule];
      list.push(new G.ClusterLayer(points[rule], make, {
        maxClusterZoom: 11, clusterRadius: 60,
        label: t ? t[lang() === 'en' ? 1 : 0] : rule,
        clusterStyle: {shape: 'circle', color: '#ffffff', weight: 2, opacity: 1, fill: true,
                       fillColor: colors[worst] || '#cb181d', fillOpacity: 0.85,
                       glyphColor: '#ffffff'}
      }));
      count += points[rule].length;
    }
    return register(map, d, L.featureGroup(list), {
      feats: feats, make: make, drawn: count, hasGeometry: drawable, t0: t0,
      clusterTip: function (c) { return '× ' + esc(c.label); }
    });
  }

  // What every built layer (plain or findings) shares: a click opens the feature's popup or
  // expands a cluster, a tooltip (clusterTip(c): the words after a cluster's count), and the
  // layer's entry in G.layers (by name) and G.order. Returns the group.
  function register(map, d, group, o) {
    var feats = o.feats;
    group.on('click', function (e) {
      var obj = e.propagatedFrom || e.layer;
      if (obj._gpCluster) { obj._gpCluster.layer.expand(obj); return; }
      openFeature(map, obj, e.latlng);
    });
    group.bindTooltip(function (obj) {
      if (obj._gpCluster) {
        return '<b>' + obj._gpCluster.n.toLocaleString('vi-VN') + '</b> ' +
          o.clusterTip(obj._gpCluster) + '<br><i>Bấm để phóng to / click to zoom in</i>';
      }
      var info = obj._gp || (obj.getLayers && obj.getLayers()[0] && obj.getLayers()[0]._gp);
      return info ? G.tooltipHtml(info.d, info.i) : '';
    }, {sticky: true, direction: 'top', opacity: 0.95, className: 'gp-tooltip'});
    G.layers[d.name] = {data: d, group: group, object: o.make, drawn: o.drawn,
                        arrows: o.arrows || null, hasGeometry: o.hasGeometry,
                        geometry: function (i) { return feats[i]; },
                        type: function (i) { return d.t ? d.t[i] : d.type; },
                        buildMs: performance.now() - o.t0};
    G.order.push(d.name);
    return group;
  }

  // Open the popup of feature i of layer name (a link in a popup): the layer is shown, a
  // clustered point zoomed to, a feature out of view brought into it.
  G.openRef = function (name, i) {
    var map = G.map, entry = G.layers[name], obj;
    if (!map || !entry || !entry.hasGeometry(i)) { return false; }
    obj = entry.object(i);
    if (!obj) { return false; }
    if (!map.hasLayer(entry.group)) { map.addLayer(entry.group); }
    var open = function () { openFeature(map, obj); };
    if (entry.group.zoomToShowLayer && obj.getLatLng) {
      entry.group.zoomToShowLayer(obj, open);
    } else if (obj.getLatLng) {
      if (!map.getBounds().contains(obj.getLatLng())) { map.panTo(obj.getLatLng(), {animate: false}); }
      open();
    } else {
      if (!map.getBounds().intersects(obj.getBounds())) {
        map.fitBounds(obj.getBounds(), {maxZoom: Math.max(map.getZoom(), 12), animate: false});
      }
      open();
    }
    return true;
  };
  document.addEventListener('click', function (e) {
    var a = e.target && e.target.closest && e.target.closest('a.gp-link-feature, a.gp-link-finding');
    if (!a) { return; }
    e.preventDefault();
    G.openRef(a.getAttribute('data-layer'), parseInt(a.getAttribute('data-i'), 10));
  });

  // Build one plan layer: returns the Leaflet group that the layer control toggles.
  G.buildLayer = function (map, d) {
    if (d.kind === 'findings') { return buildFindings(map, d); }
    var t0 = performance.now();
    var feats = geometries(d), objs = new Array(d.n), f, k, group, count = 0;
    for (k = 0; k < d.st.length; k++) {
      if (d.st[k].hatch) { d.st[k].fillColor = hatch(d.st[k].fillColor); d.st[k].fillOpacity = 0.8; }
    }
    // the Leaflet object of feature f, made once (null for an empty geometry)
    function make(f) {
      if (objs[f] === undefined) {
        objs[f] = feats[f].length === 0 ? null :
          featureLayer(d, feats[f], d.t ? d.t[f] : d.type, d.st[d.si ? d.si[f] : 0], f);
      }
      return objs[f];
    }
    if (d.cluster) {
      var points = [];
      for (f = 0; f < d.n; f++) {
        if (feats[f].length) { points.push([feats[f][0][0][0].lat, feats[f][0][0][0].lng, f]); }
      }
      count = points.length;
      group = new G.ClusterLayer(points, make, {clusterStyle: d.clusterStyle});
    } else {
      var list = [];
      for (f = 0; f < d.n; f++) {
        if (make(f)) { list.push(objs[f]); }  // empty geometry: nothing to draw
      }
      count = list.length;
      group = L.featureGroup(list);
    }
    if (d.lbl) { nameLabels(map, d, group); }
    return register(map, d, group, {
      feats: feats, make: make, drawn: count, t0: t0,
      arrows: d.mv ? moveArrows(map, d, group) : null,
      hasGeometry: function (i) { return feats[i].length > 0; },
      clusterTip: function () {
        return esc(d.kindVi) + ' <span class="gp-en">/ ' + esc(d.kindEn) + '</span>';
      }
    });
  };

  // Read the layer's embedded JSON (a <script type="application/json"> element).
  G.data = function (id) {
    G.parseMs = G.parseMs || 0;
    var t = performance.now();
    var el = document.getElementById(id);
    var d = unpack(JSON.parse(el.textContent));
    el.parentNode.removeChild(el);  // the text is no longer needed: free it
    G.parseMs += performance.now() - t;
    if (G.firstData === undefined) { G.firstData = t; }
    return d;
  };

  // Called once every layer of the map is built: the controls, and the "drawn" mark
  // (after two animation frames, when the canvas has painted).
  G.finish = function (map, options) {
    options = options || {};
    // the controls (scale, full screen, measure, search, layer list, legend, title):
    // assets/controls.js
    if (G.controls) { G.controls(map, options); }
    if (options.attribution && map.attributionControl) {
      map.attributionControl.addAttribution(options.attribution);
    }
    G.map = map;
    G.finished = performance.now();
    var mark = function () {
      G.drawn = performance.now();
      document.documentElement.setAttribute('data-geoplan-drawn', '1');
    };
    if (global.requestAnimationFrame) {
      global.requestAnimationFrame(function () { global.requestAnimationFrame(mark); });
    } else {
      setTimeout(mark, 0);
    }
  };
})(window);
