/* Streetcare: the resident's report page. Plain JS, no framework, no inline code (CSP-friendly). */
(function () {
  "use strict";
  var API = "/api/v1/reports";
  var QUEUE_KEY = "streetcare.report.queue";
  var MINE_KEY = "streetcare.report.mine";
  var LANG_KEY = "streetcare.lang";
  var SVG = "http://www.w3.org/2000/svg";

  var TEXT = {
    en: {
      title: "Report litter", where: "1. Where is it?", locate: "Use my location",
      streetSearch: "Or type a street name", mapLabel: "Map of the streets: tap where the litter is",
      noSpot: "No spot chosen yet.", spotAt: "Spot chosen", near: "near", nearby: "Already reported nearby",
      nearbyHint: "Is it one of these? Say \u201cme too\u201d instead of reporting it again.", meToo: "Me too",
      counted: "Thanks, counted", alsoBy: "also reported by", what: "2. What is it?", category: "Category",
      more: "3. Photo and details", photo: "Photo (optional)", description: "What do you see? (optional)",
      email: "Email for updates (optional)",
      privacy: "Your email is only used to tell you what happens, is never shown to anyone and is erased after a year.",
      send: "Send report", sending: "Sending\u2026", needSpot: "Choose the spot first: use your location, a street name or tap the map.",
      needCategory: "Choose what it is.", locating: "Finding your location\u2026",
      noGeo: "Your location is not available; type a street name or tap the map.",
      queued: "You are offline. The report is saved on this phone and will be sent when you are back online.",
      offline: "You are offline. Reports are kept on this phone until the connection is back.",
      flushed: "Your saved report was sent.", trackTitle: "Your report",
      trackHint: "Keep this page's address: it is your private link to follow the report.",
      history: "What happened", reopen: "It is not clean: reopen", newReport: "Report something else",
      mine: "Your reports on this phone", status: "Status", street: "Street", filed: "Filed", due: "We aim to act by",
      kind: "What", duplicateOf: "Same as report", notFound: "No report has this link.", pending: "waiting to be sent",
      statuses: { open: "Open", acknowledged: "Seen by the city", scheduled: "Crew scheduled", resolved: "Cleaned",
        reopened: "Reopened", duplicate: "Already reported", rejected: "Not taken up", withdrawn: "Withdrawn" },
      other: "NL", otherLabel: "Nederlands"
    },
    nl: {
      title: "Zwerfafval melden", where: "1. Waar is het?", locate: "Gebruik mijn locatie",
      streetSearch: "Of typ een straatnaam", mapLabel: "Kaart van de straten: tik waar het afval ligt",
      noSpot: "Nog geen plek gekozen.", spotAt: "Plek gekozen", near: "bij", nearby: "Al gemeld in de buurt",
      nearbyHint: "Is het een van deze? Zeg \u201cik ook\u201d in plaats van opnieuw te melden.", meToo: "Ik ook",
      counted: "Bedankt, geteld", alsoBy: "ook gemeld door", what: "2. Wat is het?", category: "Soort",
      more: "3. Foto en details", photo: "Foto (niet verplicht)", description: "Wat ziet u? (niet verplicht)",
      email: "E-mail voor updates (niet verplicht)",
      privacy: "Uw e-mail gebruiken we alleen om u te laten weten wat er gebeurt; niemand ziet het en het wordt na een jaar gewist.",
      send: "Melding versturen", sending: "Bezig met versturen\u2026",
      needSpot: "Kies eerst de plek: gebruik uw locatie, een straatnaam of tik op de kaart.",
      needCategory: "Kies wat het is.", locating: "Uw locatie zoeken\u2026",
      noGeo: "Uw locatie is niet beschikbaar; typ een straatnaam of tik op de kaart.",
      queued: "U bent offline. De melding is op deze telefoon bewaard en wordt verstuurd zodra u weer online bent.",
      offline: "U bent offline. Meldingen blijven op deze telefoon tot de verbinding terug is.",
      flushed: "Uw bewaarde melding is verstuurd.", trackTitle: "Uw melding",
      trackHint: "Bewaar het adres van deze pagina: het is uw persoonlijke link om de melding te volgen.",
      history: "Wat er gebeurde", reopen: "Het is niet schoon: heropenen", newReport: "Iets anders melden",
      mine: "Uw meldingen op deze telefoon", status: "Status", street: "Straat", filed: "Gemeld", due: "We streven naar actie voor",
      kind: "Wat", duplicateOf: "Zelfde als melding", notFound: "Geen melding met deze link.", pending: "wacht op verzending",
      statuses: { open: "Open", acknowledged: "Gezien door de gemeente", scheduled: "Ploeg ingepland", resolved: "Opgeruimd",
        reopened: "Heropend", duplicate: "Al gemeld", rejected: "Niet opgepakt", withdrawn: "Ingetrokken" },
      other: "EN", otherLabel: "English"
    }
  };

  var state = { lang: "en", categories: [], spot: null, streets: null, bounds: null, view: null, tracking: null };

  function $(id) { return document.getElementById(id); }
  function t(key) { return TEXT[state.lang][key] || TEXT.en[key] || key; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function say(text, ok) { var m = $("message"); m.textContent = text || ""; m.className = ok ? "message ok" : "message"; }
  function fmtDate(iso) {
    try { return new Date(iso).toLocaleString(state.lang === "nl" ? "nl-NL" : "en-GB", { dateStyle: "medium", timeStyle: "short" }); }
    catch (e) { return iso; }
  }

  /* ---------- language ---------- */
  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-t]").forEach(function (node) { node.textContent = t(node.getAttribute("data-t")); });
    document.querySelectorAll("[data-t-label]").forEach(function (node) { node.setAttribute("aria-label", t(node.getAttribute("data-t-label"))); });
    $("lang").textContent = t("other");
    $("lang").setAttribute("aria-label", t("otherLabel"));
    document.title = t("title") + " \u2014 Streetcare";
    renderCategories();
    if (state.spot) showSpot();
    if (state.tracking) renderTracking(state.tracking);
    renderMine();
    updateNet();
  }

  /* ---------- categories and questions ---------- */
  function renderCategories() {
    var box = $("categories");
    var chosen = (box.querySelector("input:checked") || {}).value;
    box.querySelectorAll("label").forEach(function (n) { n.remove(); });
    state.categories.forEach(function (c) {
      var label = el("label");
      var input = el("input", { type: "radio", name: "category", value: c.code });
      if (c.code === chosen) input.checked = true;
      input.addEventListener("change", renderQuestions);
      label.appendChild(input);
      label.appendChild(el("span", {}, state.lang === "nl" ? c.name_nl : c.name_en));
      box.appendChild(label);
    });
    renderQuestions();
  }
  function chosenCategory() {
    var input = document.querySelector("input[name=category]:checked");
    return input ? state.categories.filter(function (c) { return c.code === input.value; })[0] : null;
  }
  function renderQuestions() {
    var box = $("questions");
    box.textContent = "";
    var c = chosenCategory();
    if (!c) return;
    c.attributes.forEach(function (a) {
      var id = "q-" + a.code;
      if (a.datatype === "singlevaluelist") {
        box.appendChild(el("label", { "for": id }, a.description + (a.required ? " *" : "")));
        var select = el("select", { id: id, "data-code": a.code });
        if (a.required) select.required = true;
        select.appendChild(el("option", { value: "" }, "\u2014"));
        a.values.forEach(function (v) { select.appendChild(el("option", { value: v.key }, v.name)); });
        box.appendChild(select);
      } else if (a.datatype === "multivaluelist") {
        var fs = el("fieldset", { "data-code": a.code, "class": "multi" });
        fs.appendChild(el("legend", {}, a.description));
        a.values.forEach(function (v) {
          var l = el("label");
          l.appendChild(el("input", { type: "checkbox", value: v.key }));
          l.appendChild(document.createTextNode(" " + v.name));
          fs.appendChild(l);
        });
        box.appendChild(fs);
      } else {
        box.appendChild(el("label", { "for": id }, a.description));
        box.appendChild(el("input", { id: id, type: "text", "data-code": a.code }));
      }
    });
  }
  function answers() {
    var out = {};
    $("questions").querySelectorAll("select[data-code], input[data-code]").forEach(function (n) {
      if (n.value) out[n.getAttribute("data-code")] = n.value;
    });
    $("questions").querySelectorAll("fieldset[data-code]").forEach(function (fs) {
      var values = [];
      fs.querySelectorAll("input:checked").forEach(function (i) { values.push(i.value); });
      if (values.length) out[fs.getAttribute("data-code")] = values;
    });
    return out;
  }

  /* ---------- the spot: geolocation, street search, map ---------- */
  function setSpot(lat, lon, label) {
    state.spot = { lat: lat, lon: lon, label: label || "" };
    showSpot();
    zoomTo(lat, lon);
    loadNearby();
  }
  function showSpot() {
    var s = state.spot;
    $("spot").textContent = t("spotAt") + ": " + (s.label ? t("near") + " " + s.label + " " : "") +
      "(" + s.lat.toFixed(5) + ", " + s.lon.toFixed(5) + ")";
  }
  function locate() {
    if (!navigator.geolocation) { say(t("noGeo")); return; }
    say(t("locating"), true);
    navigator.geolocation.getCurrentPosition(function (pos) {
      say("");
      setSpot(pos.coords.latitude, pos.coords.longitude, "");
    }, function () { say(t("noGeo")); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  var searchTimer = null;
  function searchStreets() {
    clearTimeout(searchTimer);
    var q = $("street-q").value.trim();
    var list = $("street-results");
    if (q.length < 2) { list.textContent = ""; return; }
    searchTimer = setTimeout(function () {
      fetch(API + "/streets/search?q=" + encodeURIComponent(q)).then(function (r) { return r.ok ? r.json() : []; })
        .then(function (streets) {
          list.textContent = "";
          streets.forEach(function (s) {
            var li = el("li");
            var b = el("button", { type: "button" }, s.name);
            b.addEventListener("click", function () { list.textContent = ""; $("street-q").value = s.name; setSpot(s.lat, s.lon, s.name); });
            li.appendChild(b);
            list.appendChild(li);
          });
        }).catch(function () {});
    }, 250);
  }
  function project(lon, lat) {
    var b = state.bounds, k = Math.cos((b.minLat + b.maxLat) / 2 * Math.PI / 180);
    return [(lon - b.minLon) * k * 100000, (b.maxLat - lat) * 100000];
  }
  function unproject(x, y) {
    var b = state.bounds, k = Math.cos((b.minLat + b.maxLat) / 2 * Math.PI / 180);
    return [b.maxLat - y / 100000, b.minLon + x / (k * 100000)];
  }
  function drawMap() {
    var box = $("map");
    if (!state.streets || !state.streets.features.length) return;
    var b = { minLon: 180, minLat: 90, maxLon: -180, maxLat: -90 };
    state.streets.features.forEach(function (f) {
      f.geometry.coordinates.forEach(function (c) {
        b.minLon = Math.min(b.minLon, c[0]); b.maxLon = Math.max(b.maxLon, c[0]);
        b.minLat = Math.min(b.minLat, c[1]); b.maxLat = Math.max(b.maxLat, c[1]);
      });
    });
    state.bounds = b;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    var g = document.createElementNS(SVG, "g");
    state.streets.features.forEach(function (f) {
      var d = f.geometry.coordinates.map(function (c, i) { var p = project(c[0], c[1]); return (i ? "L" : "M") + p[0].toFixed(1) + " " + p[1].toFixed(1); }).join("");
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      var title = document.createElementNS(SVG, "title");
      title.textContent = f.properties.name;
      path.appendChild(title);
      g.appendChild(path);
    });
    svg.appendChild(g);
    var others = document.createElementNS(SVG, "g"); others.setAttribute("id", "map-open"); svg.appendChild(others);
    var pin = document.createElementNS(SVG, "circle"); pin.setAttribute("class", "pin"); pin.setAttribute("r", "0"); pin.setAttribute("id", "map-pin");
    svg.appendChild(pin);
    svg.addEventListener("click", function (ev) {
      var pt = svg.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
      var local = pt.matrixTransform(svg.getScreenCTM().inverse());
      var ll = unproject(local.x, local.y);
      setSpot(ll[0], ll[1], "");
    });
    box.textContent = "";
    box.appendChild(svg);
    var whole = project(b.maxLon, b.minLat);
    state.view = [0, 0, whole[0], whole[1]];
    svg.setAttribute("viewBox", state.view.join(" "));
    if (state.spot) zoomTo(state.spot.lat, state.spot.lon);
  }
  function zoomTo(lat, lon) {
    var svg = $("map").querySelector("svg");
    if (!svg || !state.bounds) return;
    var p = project(lon, lat), half = 25000 * 0.012; /* about 300 m around the spot */
    svg.setAttribute("viewBox", [p[0] - half, p[1] - half * 0.6, half * 2, half * 1.2].join(" "));
    var pin = $("map-pin");
    pin.setAttribute("cx", p[0]); pin.setAttribute("cy", p[1]); pin.setAttribute("r", "12");
  }

  /* ---------- nearby open reports, "me too" ---------- */
  function loadNearby() {
    if (!state.spot || !navigator.onLine) return;
    fetch(API + "/nearby?lat=" + state.spot.lat + "&lon=" + state.spot.lon + "&radius_m=150")
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(renderNearby).catch(function () {});
  }
  function renderNearby(reports) {
    var list = $("nearby"), layer = $("map-open");
    list.textContent = "";
    if (layer) layer.textContent = "";
    $("nearby-box").hidden = !reports.length;
    reports.forEach(function (r) {
      var li = el("li");
      var text = (state.lang === "nl" ? r.category_name_nl : r.category_name) + ", " + r.street_name +
        " \u2014 " + Math.round(r.distance_m) + " m" + (r.also_reported ? " (" + t("alsoBy") + " " + r.also_reported + ")" : "");
      li.appendChild(el("span", {}, text));
      var b = el("button", { type: "button", "class": "secondary" }, t("meToo"));
      b.addEventListener("click", function () {
        b.disabled = true;
        fetch(API + "/reports/" + r.id + "/me-too", { method: "POST" }).then(function (x) { return x.json(); })
          .then(function (body) { b.textContent = t("counted") + " (" + body.also_reported + ")"; })
          .catch(function () { b.disabled = false; });
      });
      li.appendChild(b);
      list.appendChild(li);
      if (layer && state.bounds) {
        var p = project(r.lon, r.lat), c = document.createElementNS(SVG, "circle");
        c.setAttribute("class", "open"); c.setAttribute("cx", p[0]); c.setAttribute("cy", p[1]); c.setAttribute("r", "7");
        layer.appendChild(c);
      }
    });
  }

  /* ---------- sending, and the offline queue ---------- */
  function readPhoto(file) {
    return new Promise(function (resolve) {
      if (!file) { resolve(null); return; }
      var reader = new FileReader();
      reader.onload = function () { resolve({ name: file.name, type: file.type, data: reader.result }); };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(file);
    });
  }
  function dataUrlToBlob(url) {
    var parts = url.split(","), bin = atob(parts[1]), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: (parts[0].match(/data:([^;]+)/) || [])[1] || "application/octet-stream" });
  }
  function NetworkError() { this.network = true; }
  function send(item) {
    /* One queued report: upload the photo (if any), then the report with its Idempotency-Key. */
    var photoStep = Promise.resolve(item.body.photo_id || null);
    if (item.photo && !item.body.photo_id) {
      var form = new FormData();
      form.append("photo", dataUrlToBlob(item.photo.data), item.photo.name || "photo.jpg");
      photoStep = fetch(API + "/photos", { method: "POST", body: form })
        .catch(function () { throw new NetworkError(); })
        .then(function (r) { return r.ok ? r.json().then(function (p) { return p.id; }) : null; });
    }
    return photoStep.then(function (photoId) {
      if (photoId) item.body.photo_id = photoId;
      return fetch(API + "/reports", {
        method: "POST",
        headers: { "content-type": "application/json", "Idempotency-Key": item.key },
        body: JSON.stringify(item.body)
      }).catch(function () { throw new NetworkError(); });
    }).then(function (r) {
      if (r.status >= 500) throw new NetworkError();
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    });
  }
  var flushing = false;
  function flushQueue() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    var queue = load(QUEUE_KEY, []);
    if (!queue.length) return Promise.resolve();
    flushing = true;
    var item = queue[0];
    return send(item).then(function (result) {
      save(QUEUE_KEY, load(QUEUE_KEY, []).filter(function (q) { return q.key !== item.key; }));
      if (result.ok) {
        remember(result.body);
        say(t("flushed"), true);
        if (!state.tracking) location.hash = "track=" + result.body.tracking_token;
      } else {
        say(result.body.detail || "");
      }
      flushing = false;
      return flushQueue();
    }, function () { flushing = false; });
  }
  function remember(created) {
    var mine = load(MINE_KEY, []);
    if (!mine.some(function (m) { return m.token === created.tracking_token; })) {
      mine.unshift({ token: created.tracking_token, category: created.category, street: created.street_name, at: created.created_at });
      save(MINE_KEY, mine.slice(0, 20));
    }
    renderMine();
  }
  function submit(ev) {
    ev.preventDefault();
    var category = chosenCategory();
    if (!state.spot) { say(t("needSpot")); $("locate").focus(); return; }
    if (!category) { say(t("needCategory")); var first = document.querySelector("input[name=category]"); if (first) first.focus(); return; }
    var body = { category: category.code, lat: state.spot.lat, lon: state.spot.lon, description: $("description").value.trim(), attributes: answers() };
    var email = $("email").value.trim();
    if (email) body.email = email;
    var button = $("submit");
    button.disabled = true;
    say(t("sending"), true);
    readPhoto($("photo").files[0]).then(function (photo) {
      var item = { key: newKey(), body: body, photo: photo, at: new Date().toISOString() };
      if (!navigator.onLine) { queue(item); return; }
      return send(item).then(function (result) {
        if (result.ok) { remember(result.body); location.hash = "track=" + result.body.tracking_token; }
        else { say(result.body.detail || "?"); }
      }, function () { queue(item); });
    }).then(function () { button.disabled = false; });
  }
  function queue(item) {
    var q = load(QUEUE_KEY, []);
    if (!q.some(function (x) { return x.key === item.key; })) {
      try { q.push(item); save(QUEUE_KEY, q); }
      catch (e) { item.photo = null; q[q.length - 1] = item; save(QUEUE_KEY, q); } /* photo too big for storage */
    }
    say(t("queued"), true);
    $("report").reset();
    renderMine();
  }

  /* ---------- tracking ---------- */
  function trackToken() {
    var m = location.hash.match(/track=([A-Za-z0-9_-]+)/) || location.search.match(/[?&]track=([A-Za-z0-9_-]+)/);
    return m ? m[1] : null;
  }
  function route() {
    var token = trackToken();
    $("report").hidden = !!token;
    $("tracking").hidden = !token;
    if (!token) { state.tracking = null; return; }
    fetch(API + "/track/" + token).then(function (r) {
      if (!r.ok) throw new Error("not found");
      return r.json();
    }).then(function (report) {
      state.tracking = report;
      renderTracking(report);
      $("track-h").focus();
    }).catch(function () {
      $("track-facts").textContent = t("notFound");
    });
  }
  function renderTracking(r) {
    var facts = $("track-facts");
    facts.textContent = "";
    var cat = state.categories.filter(function (c) { return c.code === r.category; })[0];
    var rows = [
      [t("status"), t("statuses")[r.status] || r.status],
      [t("kind"), cat ? (state.lang === "nl" ? cat.name_nl : cat.name_en) : r.category],
      [t("street"), r.street_name],
      [t("filed"), fmtDate(r.created_at)],
      [t("due"), fmtDate(r.due_at)]
    ];
    if (r.duplicate_of) rows.push([t("duplicateOf"), "#" + r.duplicate_of + " (" + (t("statuses")[r.duplicate_of_status] || "") + ")"]);
    rows.forEach(function (row) { facts.appendChild(el("dt", {}, row[0])); facts.appendChild(el("dd", { "data-fact": row[0] }, row[1])); });
    facts.firstChild.nextSibling.setAttribute("id", "track-status");
    var img = $("track-photo");
    if (r.thumbnail_url) { img.src = r.thumbnail_url; img.hidden = false; } else { img.hidden = true; }
    var list = $("track-history");
    list.textContent = "";
    r.history.forEach(function (h) {
      var li = el("li");
      li.appendChild(el("strong", {}, t("statuses")[h.status] || h.status));
      li.appendChild(document.createTextNode(" \u2014 " + fmtDate(h.at) + (h.note ? ": " + h.note : "")));
      list.appendChild(li);
    });
    $("reopen").hidden = !r.can_reopen;
  }
  function reopen() {
    var token = trackToken();
    fetch(API + "/track/" + token + "/reopen", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
      .then(function (r) { return r.json(); }).then(function () { route(); });
  }
  function renderMine() {
    var mine = load(MINE_KEY, []), pending = load(QUEUE_KEY, []), list = $("mine");
    list.textContent = "";
    $("mine-box").hidden = !mine.length && !pending.length;
    pending.forEach(function (p) { list.appendChild(el("li", { "class": "pending" }, p.body.category + " \u2014 " + t("pending"))); });
    mine.forEach(function (m) {
      var li = el("li"), a = el("a", { href: "/report#track=" + m.token }, (m.street || "") + " \u2014 " + fmtDate(m.at));
      li.appendChild(a);
      list.appendChild(li);
    });
  }
  function updateNet() {
    var net = $("net");
    net.hidden = navigator.onLine;
    net.textContent = navigator.onLine ? "" : t("offline");
  }

  /* ---------- start ---------- */
  function start() {
    var stored = localStorage.getItem(LANG_KEY);
    var browser = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    state.lang = stored || (/^nl\b/i.test(browser) ? "nl" : "en");
    $("lang").addEventListener("click", function () {
      state.lang = state.lang === "nl" ? "en" : "nl";
      localStorage.setItem(LANG_KEY, state.lang);
      applyLanguage();
    });
    $("locate").addEventListener("click", locate);
    $("street-q").addEventListener("input", searchStreets);
    $("report").addEventListener("submit", submit);
    $("reopen").addEventListener("click", reopen);
    $("new-report").addEventListener("click", function (ev) { ev.preventDefault(); history.pushState(null, "", "/report"); route(); });
    window.addEventListener("hashchange", route);
    window.addEventListener("popstate", route);
    window.addEventListener("online", function () { updateNet(); flushQueue().then(renderMine); loadNearby(); });
    window.addEventListener("offline", updateNet);
    applyLanguage();
    var cats = fetch(API + "/categories").then(function (r) { return r.json(); })
      .then(function (c) { state.categories = c; save("streetcare.report.categories", c); })
      .catch(function () { state.categories = load("streetcare.report.categories", []); })
      .then(applyLanguage);
    fetch(API + "/streets.geojson").then(function (r) { return r.json(); })
      .then(function (s) { state.streets = s; drawMap(); }).catch(function () {});
    cats.then(function () { route(); return flushQueue(); }).then(renderMine);
  }
  document.addEventListener("DOMContentLoaded", start);
})();
