/* Streetcare: what every page shares — DOM helpers, the language catalogue, Dutch/English
   number and date formats, JSON calls, and the map (Leaflet, served from our own static files).
   Plain JS, no inline code (CSP). Each page calls Streetcare.* instead of its own copies. */
(function () {
  "use strict";
  var SC = window.Streetcare = window.Streetcare || {};
  var LANG_KEY = "streetcare.lang";
  var catalogues = {};

  SC.$ = function (id) { return document.getElementById(id); };
  /* el("li", {class: "x"}, "text") or el("div", {className: "x", text: "t"}, [child, child]) */
  SC.el = function (tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    if (Array.isArray(content)) content.forEach(function (child) { if (child) node.appendChild(child); });
    else if (content !== undefined && content !== null) node.textContent = content;
    return node;
  };

  /* ---------- language: one JSON catalogue per language, /static/i18n/<lang>.json ---------- */
  SC.lang = (function () {
    var stored = null;
    try { stored = localStorage.getItem(LANG_KEY); } catch (e) { /* private mode */ }
    var browser = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    return stored === "nl" || stored === "en" ? stored : (/^nl\b/i.test(browser) ? "nl" : "en");
  })();
  SC.loadCatalogues = function () {
    return Promise.all(["en", "nl"].map(function (lang) {
      return fetch("/static/i18n/" + lang + ".json").then(function (r) { return r.json(); })
        .then(function (c) { catalogues[lang] = c; }).catch(function () { catalogues[lang] = catalogues[lang] || {}; });
    }));
  };
  function lookup(catalogue, key) {
    return key.split(".").reduce(function (node, part) { return node && node[part]; }, catalogue);
  }
  /* t("report.send") or t("category.litter"); {name} placeholders filled from `values`; an entry
     {"one": …, "other": …} is chosen by values.count (the language's plural rules) */
  SC.t = function (key, values) {
    var text = lookup(catalogues[SC.lang], key);
    if (text === undefined) text = lookup(catalogues.en, key);
    if (text && typeof text === "object" && typeof text.other === "string" && values && values.count !== undefined) {
      text = text[new Intl.PluralRules(SC.locale()).select(Number(values.count))] || text.other;
    }
    if (typeof text !== "string") return text === undefined ? key : text;
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values[name] !== undefined ? values[name] : ""; });
  };
  /* a known code (category, status, level…) in words, the code itself only when nobody knows it */
  SC.code = function (group, code) {
    var text = lookup(catalogues[SC.lang], group + "." + code) || lookup(catalogues.en, group + "." + code);
    return typeof text === "string" ? text : String(code).replace(/_/g, " ");
  };
  SC.setLang = function (lang) {
    SC.lang = lang;
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
  };
  SC.applyLanguage = function (root) {
    root = root || document;
    document.documentElement.lang = SC.lang;
    root.querySelectorAll("[data-t]").forEach(function (n) { n.textContent = SC.t(n.getAttribute("data-t")); });
    root.querySelectorAll("[data-t-label]").forEach(function (n) { n.setAttribute("aria-label", SC.t(n.getAttribute("data-t-label"))); });
    root.querySelectorAll("[data-t-placeholder]").forEach(function (n) { n.setAttribute("placeholder", SC.t(n.getAttribute("data-t-placeholder"))); });
    root.querySelectorAll(".field-error[data-problem]").forEach(function (n) { n.textContent = inWords(JSON.parse(n.getAttribute("data-problem"))); });
    /* the switch shows the other language; its accessible name starts with the text it shows */
    var other = document.getElementById("lang");
    if (other) {
      other.textContent = SC.t("common.other");
      other.setAttribute("aria-label", SC.t("common.other") + " \u2013 " + SC.t("common.otherLabel"));
    }
  };
  SC.locale = function () { return SC.lang === "nl" ? "nl-NL" : "en-GB"; };
  SC.fmtNumber = function (value, digits) {
    return new Intl.NumberFormat(SC.locale(), { maximumFractionDigits: digits === undefined ? 1 : digits }).format(value);
  };
  SC.fmtDate = function (iso, withTime) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return new Intl.DateTimeFormat(SC.locale(), withTime === false ? { dateStyle: "medium" } : { dateStyle: "medium", timeStyle: "short" }).format(d);
  };
  /* "3 hours ago" / "3 uur geleden" */
  SC.fmtAge = function (iso) {
    var seconds = (Date.now() - new Date(iso).getTime()) / 1000;
    var rtf = new Intl.RelativeTimeFormat(SC.locale(), { numeric: "auto" });
    if (seconds < 3600) return rtf.format(-Math.max(1, Math.round(seconds / 60)), "minute");
    if (seconds < 86400) return rtf.format(-Math.round(seconds / 3600), "hour");
    return rtf.format(-Math.round(seconds / 86400), "day");
  };

  /* ---------- JSON over HTTP ---------- */
  SC.NetworkError = function () { this.network = true; };
  /* resolves {ok, status, body}; rejects with NetworkError when there is no answer (offline, 5xx) */
  SC.api = function (url, options) {
    options = options || {};
    var headers = Object.assign({}, options.headers || {});
    if (options.json !== undefined) headers["content-type"] = "application/json";
    if (options.token) headers.authorization = "Bearer " + options.token;
    return fetch(url, {
      method: options.method || (options.json !== undefined || options.body ? "POST" : "GET"),
      headers: headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body
    }).catch(function () { throw new SC.NetworkError(); }).then(function (r) {
      if (r.status >= 500) throw new SC.NetworkError();
      return r.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = { detail: text }; }
        return { ok: r.ok, status: r.status, body: body };
      });
    });
  };
  /* ---------- refusals: in the page's language, beside the field they are about ----------
     A service refuses with JSON: `detail` in English (for API clients), often with a `code` and its
     `params`; a 422 lists its fields' problems (fieldProblems, with pydantic's `type`). A page shows
     - a `code` its catalogue knows (options.groups, then "problem"): that message, `params` filled in,
       beside the field `params.field` names ("category", "attributes.items");
     - a 422 list: for each field, the catalogue's words for that field or that kind of mistake, beside it;
     - anything else: what the status means, or "could not be sent" — never the service's English.
     options: status; fields(path) → the element a message about that field goes beside (path as in
     `loc` without "body": ["attributes", "items"]; SC.fieldsNamed makes one), none to say everything as
     text; beside: the control a refusal about no field goes beside (a "Me too" button); groups; generic.
     Messages beside fields replace the ones from before, and each goes away when its field changes.
     Returns what is left to say for the page as a whole ("" when every message found its field). */
  function known(keys, values) {
    for (var i = 0; i < keys.length; i++) {
      if (typeof lookup(catalogues[SC.lang], keys[i]) === "string" || typeof lookup(catalogues.en, keys[i]) === "string") {
        return { key: keys[i], params: values || {} };
      }
    }
    return null;
  }
  function inWords(problem) { return SC.t(problem.key, problem.params); }
  /* a 422's per-field problems as [{path, type, params}]: the services' `errors` [{field: "attributes.items",
     message, type, params}], or FastAPI's own `detail` [{loc: ["body", "email"], msg, type, ctx}]; null if neither */
  function fieldProblems(body) {
    function path(parts) {
      parts = parts.map(String).filter(Boolean);
      return ["body", "query", "path", "header"].indexOf(parts[0]) >= 0 ? parts.slice(1) : parts;
    }
    if (Array.isArray(body.errors) && body.errors.length) {
      return body.errors.map(function (e) { return { path: path(String(e && e.field || "").split(".")), type: e && e.type, params: e && e.params || {} }; });
    }
    if (Array.isArray(body.detail) && body.detail.length) {
      return body.detail.map(function (d) { return { path: path(d && d.loc || []), type: d && d.type, params: d && d.ctx || {} }; });
    }
    return null;
  }
  SC.explain = function (body, options) {
    options = options || {};
    body = body && typeof body === "object" ? body : {};
    var groups = (options.groups || []).concat(["problem"]), placed = [], general = [];
    function place(path, problem) {
      var node = options.fields && path && path.length ? options.fields(path) : null;
      if (node) { SC.fieldError(node, problem); placed.push(node); } else { general.push(problem); }
    }
    if (options.fields && options.form) SC.clearFieldErrors(options.form);
    if (options.beside) SC.fieldError(options.beside, "");
    var params = body.params && typeof body.params === "object" ? body.params : {};
    var coded = body.code && known(groups.map(function (g) { return g + "." + body.code; }), params);
    if (coded) {
      place(params.field ? String(params.field).split(".") : null, coded);
    } else if (fieldProblems(body)) {
      var unplaced = false;
      fieldProblems(body).forEach(function (item) {
        var path = item.path, ctx = item.params;
        var type = item.type === "string_too_short" && ctx.min_length === 1 ? "missing" : item.type;
        var problem = known(["problem.field." + path[path.length - 1], "problem.type." + type], ctx) || { key: "problem.type.invalid", params: {} };
        var node = options.fields && path.length ? options.fields(path) : null;
        if (node && placed.indexOf(node) < 0) { SC.fieldError(node, problem); placed.push(node); } else if (!node) { unplaced = true; }
      });
      if (unplaced || !placed.length) general.push({ key: "problem.invalid", params: {} });
    }
    if (!placed.length && !general.length) {
      general.push(known(["problem.status." + options.status], {}) || { key: options.generic || "problem.generic", params: {} });
    }
    if (placed.length) {
      var first = placed[0], target = first.matches("input, select, textarea, button, [tabindex]") ? first : first.querySelector("input, select, textarea, button");
      if (target) target.focus();
    }
    if (options.beside && general.length) { SC.fieldError(options.beside, general[0]); return ""; }
    return general.map(inWords).filter(function (text, i, all) { return all.indexOf(text) === i; }).join(" ");
  };
  /* fields(path) for SC.explain from the service's field names: {street_ids: select, ends_at: input};
     the last name in the path that the page has a field for ("attributes.items" → items, then attributes) */
  SC.fieldsNamed = function (byName) {
    return function (path) {
      for (var i = path.length - 1; i >= 0; i--) { if (byName[path[i]]) return byName[path[i]]; }
      return null;
    };
  };
  /* an e-mail address as text that may wrap after "@" and dots on a narrow phone (<wbr>, so a copy
     of it is the address itself), never inside a name */
  SC.showAddress = function (node, address) {
    node.textContent = "";
    String(address || "").split(/(?<=[@.])/).forEach(function (part, i) {
      if (i) node.appendChild(document.createElement("wbr"));
      node.appendChild(document.createTextNode(part));
    });
  };

  /* a message beside `node` (a string, or {key, params} from the catalogue, said again when the
     language changes); "" takes it away. It goes away by itself when the field is changed. A button
     (a refused "Me too") is described by it, not marked invalid: data-refused instead of aria-invalid. */
  var fieldNumber = 0;
  SC.fieldError = function (node, problem) {
    if (!node.id) node.id = "field-" + (++fieldNumber);
    var id = node.id + "-error", note = document.getElementById(id);
    var described = (node.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    var mark = node.matches("button") ? "data-refused" : "aria-invalid";
    if (!problem) {
      if (note) note.remove();
      node.removeAttribute(mark);
      if (described.length) node.setAttribute("aria-describedby", described.join(" ")); else node.removeAttribute("aria-describedby");
      return;
    }
    if (!note) {
      note = SC.el("p", { id: id, className: "field-error" });
      node.insertAdjacentElement("afterend", note);
    }
    if (typeof problem === "string") { note.removeAttribute("data-problem"); note.textContent = problem; }
    else { note.setAttribute("data-problem", JSON.stringify(problem)); note.textContent = inWords(problem); }
    node.setAttribute(mark, "true");
    node.setAttribute("aria-describedby", described.concat([id]).join(" "));
    if (!node.clearsItsError) {
      node.clearsItsError = true;
      var clear = function () { if (node.getAttribute(mark) === "true") SC.fieldError(node, ""); };
      node.addEventListener("input", clear);
      node.addEventListener("change", clear);
    }
  };
  SC.clearFieldErrors = function (root) {
    (root || document).querySelectorAll("[aria-invalid=true], [data-refused=true]").forEach(function (node) { SC.fieldError(node, ""); });
  };

  SC.store = {
    load: function (key, fallback) { try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; } },
    save: function (key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  };
  /* What is queued on the phone is tried again by itself: "online" can come a moment before the
     connection works, and a busy service answers 503. `run` is called 2 s, 4 s … up to a minute
     apart (`later`) until it succeeds (`reset`), as long as the page is open. */
  SC.retrier = function (run, firstMs, lastMs) {
    var first = firstMs || 2000, last = lastMs || 60000, wait = first, timer = null;
    return {
      later: function () {
        if (timer) return;
        timer = setTimeout(function () { timer = null; run(); }, wait);
        wait = Math.min(wait * 2, last);
      },
      reset: function () { wait = first; }
    };
  };
  SC.newKey = function () {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  };

  /* ---------- geometry: metres between a point and a street line ---------- */
  SC.distanceToLine = function (lat, lon, coordinates) {
    var k = Math.cos(lat * Math.PI / 180), m = 111320, best = Infinity;
    function xy(c) { return [(c[0] - lon) * k * m, (c[1] - lat) * m]; }
    for (var i = 0; i + 1 < coordinates.length; i++) {
      var a = xy(coordinates[i]), b = xy(coordinates[i + 1]);
      var dx = b[0] - a[0], dy = b[1] - a[1], len = dx * dx + dy * dy;
      var s = len ? Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / len)) : 0;
      var px = a[0] + s * dx, py = a[1] + s * dy;
      best = Math.min(best, Math.sqrt(px * px + py * py));
    }
    if (coordinates.length === 1) { var p = xy(coordinates[0]); best = Math.sqrt(p[0] * p[0] + p[1] * p[1]); }
    return best;
  };

  /* ---------- the map ---------- */
  var config = null;
  SC.mapConfig = function () {
    config = config || fetch("/map-config.json").then(function (r) { return r.json(); })
      .catch(function () { return { tile_url: "", attribution: "", max_zoom: 19, street_attribution: "" }; });
    return config;
  };
  /* A Leaflet map in `node`. With a tile server configured it is the base layer; without one the
     city's own streets are (the page draws them into map.streetLayer), named at higher zooms. */
  SC.createMap = function (node, options) {
    return SC.mapConfig().then(function (cfg) {
      var map = L.map(node, Object.assign({ preferCanvas: true, zoomControl: true, maxZoom: cfg.max_zoom || 19 }, options || {}));
      map.attributionControl.setPrefix(false);
      if (cfg.tile_url) {
        L.tileLayer(cfg.tile_url, { attribution: cfg.attribution, maxZoom: cfg.max_zoom || 19 }).addTo(map);
      } else {
        map.attributionControl.addAttribution(cfg.street_attribution || "");
      }
      map.hasTiles = !!cfg.tile_url;
      map.streetLayer = L.layerGroup().addTo(map);
      map.labelLayer = L.layerGroup().addTo(map);
      SC.maps = (SC.maps || []).concat([map]); /* reachable from the console and the browser tests */
      return map;
    });
  };
  /* Street names on the map when zoomed in and there is no tile base map to show them. */
  SC.labelStreets = function (map, features, minZoom) {
    map.labelLayer.clearLayers();
    if (map.hasTiles || map.getZoom() < (minZoom || 17)) return;
    var bounds = map.getBounds(), seen = {}, shown = 0;
    features.forEach(function (f) {
      /* "Fabianinkatu, Kirkkokatu – Yliopistonkatu (1/2)" is a stretch of Fabianinkatu: one label per street */
      var name = f.properties && f.properties.name && String(f.properties.name).split(",")[0], coords = f.geometry.coordinates;
      if (!name || seen[name] || shown >= 60) return;
      var mid = coords[Math.floor(coords.length / 2)], at = L.latLng(mid[1], mid[0]);
      if (!bounds.contains(at)) return;
      seen[name] = true; shown++;
      map.labelLayer.addLayer(L.tooltip({ permanent: true, direction: "center", className: "street-label", interactive: false })
        .setLatLng(at).setContent(name));
    });
  };
  /* The city's own streets drawn into map.streetLayer, loaded by viewport from `url` (a GeoJSON
     endpoint taking `bbox` and `limit`) once zoomed in to `minZoom`, and named when closer still:
     the base layer when no tile server is configured, and what a page looks streets up in.
     Returns {add(features), features(), load()}; `onLoad` runs after each viewport's streets came. */
  SC.streetBase = function (map, url, options) {
    var opts = options || {}, seen = {}, request = 0;
    function add(features) {
      features.forEach(function (f) {
        if (seen[f.id]) return;
        seen[f.id] = f;
        map.streetLayer.addLayer(L.polyline(SC.latLngs(f.geometry.coordinates),
          { color: map.hasTiles ? "#0b5d3b" : "#56616b", weight: map.hasTiles ? 2 : 3, opacity: 0.8, interactive: false }));
      });
    }
    function features() { return Object.keys(seen).map(function (id) { return seen[id]; }); }
    function load() {
      SC.labelStreets(map, features());
      if (map.getZoom() < (opts.minZoom || 14)) return;
      var b = map.getBounds().pad(0.2), mine = ++request;
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
      fetch(url + "?limit=5000&bbox=" + bbox).then(function (r) { return r.json(); }).then(function (fc) {
        if (mine !== request) return;
        add(fc.features);
        SC.labelStreets(map, features());
        if (opts.onLoad) opts.onLoad();
      }).catch(function () {});
    }
    map.on("moveend", load);
    return { add: add, features: features, load: load };
  };
  /* GeoJSON [lon, lat] pairs to Leaflet [lat, lon] */
  SC.latLngs = function (coordinates) { return coordinates.map(function (c) { return [c[1], c[0]]; }); };
})();
