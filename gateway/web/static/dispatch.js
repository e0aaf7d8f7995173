/* Streetcare dispatcher page: plans per crew, a self-drawn SVG street map, live updates.
   No framework, no inline script or style (CSP: script-src 'self'; style-src 'self'). */
(function () {
  "use strict";

  var API = "/api/v1/scheduling";
  var TOKEN_KEY = "streetcare.dispatch.token";
  var LANG_KEY = "streetcare.dispatch.lang";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var CREW_COLOURS = ["#0b6e4f", "#1f5fbf", "#b5179e", "#e76f51", "#2a9d8f", "#6a4c93", "#8d6e00", "#d62828"];

  var TEXT = {
    en: {
      title: "Streetcare dispatch", today: "Today", tomorrow: "Tomorrow", replan: "Re-plan now", logout: "Log out",
      login_title: "Dispatcher login", email: "Email", password: "Password", login: "Log in",
      login_failed: "Login failed: ", not_dispatcher: "This page is for dispatchers.",
      map_title: "Streets by estimated level", plan_title: "Crew plans", legend_changed: "new on this version",
      attribution: "Street data © OpenStreetMap contributors",
      removed_title: "Taken off since the previous version", no_plan: "No plan for this day yet.",
      version: "version", visits: "visits", crew_hours: "crew hours", prize: "of the available prize",
      print: "Print route", done: "Done", mark_done: "Mark done", started: "under way", added: "new",
      moved: "moved", reordered: "re-ordered", shift: "shift", back_at: "back at", no_visits: "No visits.",
      live_on: "live", live_off: "live updates reconnecting…", updated: "updated to version ",
      loading: "Loading…", error: "Something went wrong: ", kind_clean: "clean", kind_bags: "bags",
      kind_bulky: "bulky", mode_foot: "on foot", mode_sweeper: "sweeper", mode_bulky_truck: "bulky-waste truck",
      since: "trigger"
    },
    nl: {
      title: "Streetcare planning", today: "Vandaag", tomorrow: "Morgen", replan: "Nu herplannen", logout: "Uitloggen",
      login_title: "Inloggen planner", email: "E-mail", password: "Wachtwoord", login: "Inloggen",
      login_failed: "Inloggen mislukt: ", not_dispatcher: "Deze pagina is voor planners.",
      map_title: "Straten naar verwacht beeldniveau", plan_title: "Ploegplanning", legend_changed: "nieuw in deze versie",
      attribution: "Straatgegevens © OpenStreetMap-bijdragers",
      removed_title: "Vervallen sinds de vorige versie", no_plan: "Nog geen planning voor deze dag.",
      version: "versie", visits: "bezoeken", crew_hours: "ploeguren", prize: "van de beschikbare winst",
      print: "Route afdrukken", done: "Klaar", mark_done: "Afmelden", started: "bezig", added: "nieuw",
      moved: "verplaatst", reordered: "andere volgorde", shift: "dienst", back_at: "terug om", no_visits: "Geen bezoeken.",
      live_on: "live", live_off: "live-updates verbinden opnieuw…", updated: "bijgewerkt naar versie ",
      loading: "Laden…", error: "Er ging iets mis: ", kind_clean: "vegen", kind_bags: "zakken",
      kind_bulky: "grofvuil", mode_foot: "te voet", mode_sweeper: "veegmachine", mode_bulky_truck: "grofvuilwagen",
      since: "aanleiding"
    }
  };

  var state = {
    lang: "en", days: null, day: "today", plan: null, streets: null, projection: null, source: null,
    liveVersion: null
  };

  function $(id) { return document.getElementById(id); }
  function t(key) { return (TEXT[state.lang] && TEXT[state.lang][key]) || TEXT.en[key] || key; }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function api(path, options) {
    options = options || {};
    var headers = options.headers || {};
    if (token()) { headers.Authorization = "Bearer " + token(); }
    options.headers = headers;
    return fetch(path, options).then(function (answer) {
      if (answer.status === 401) { logout(); throw new Error("401"); }
      return answer;
    });
  }

  function json(path, options) {
    return api(path, options).then(function (answer) {
      if (!answer.ok) {
        return answer.json().catch(function () { return {}; }).then(function (body) {
          var error = new Error(body.detail || ("HTTP " + answer.status));
          error.status = answer.status;
          throw error;
        });
      }
      return answer.json();
    });
  }

  /* --- language --- */
  function applyLanguage(lang) {
    state.lang = TEXT[lang] ? lang : "en";
    localStorage.setItem(LANG_KEY, state.lang);
    document.documentElement.lang = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.lang"), function (b) {
      b.classList.toggle("active", b.getAttribute("data-lang") === state.lang);
    });
    if (state.plan !== undefined) { renderPlan(); }
  }

  /* --- login --- */
  function showLogin(show) {
    $("login").hidden = !show;
    $("app").hidden = show;
    $("logout").hidden = show;
    $("replan").hidden = show;
  }

  function logout() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (state.source) { state.source.close(); state.source = null; }
    showLogin(true);
  }

  function login(event) {
    event.preventDefault();
    $("login-error").textContent = "";
    fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value })
    }).then(function (answer) {
      return answer.json().then(function (body) {
        if (!answer.ok) { throw new Error(body.detail || answer.status); }
        if (body.role !== "dispatcher" && body.role !== "admin") { throw new Error(t("not_dispatcher")); }
        sessionStorage.setItem(TOKEN_KEY, body.access_token);
        start();
      });
    }).catch(function (error) { $("login-error").textContent = t("login_failed") + error.message; });
  }

  /* --- map --- */
  function levelClass(level) { return "level-" + String(level).replace("+", "plus"); }

  function makeProjection(features) {
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    features.forEach(function (f) {
      f.geometry.coordinates.forEach(function (p) {
        if (p[0] < minX) { minX = p[0]; } if (p[0] > maxX) { maxX = p[0]; }
        if (p[1] < minY) { minY = p[1]; } if (p[1] > maxY) { maxY = p[1]; }
      });
    });
    var k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
    var width = 1000;
    var scale = width / Math.max((maxX - minX) * k, 1e-9);
    var height = Math.max(200, (maxY - minY) * scale);
    var pad = 20;
    return {
      width: width + 2 * pad, height: height + 2 * pad,
      point: function (lon, lat) {
        return [pad + (lon - minX) * k * scale, pad + (maxY - lat) * scale];
      }
    };
  }

  function drawMap() {
    var map = $("map");
    while (map.firstChild) { map.removeChild(map.firstChild); }
    if (!state.streets) { return; }
    var p = state.projection;
    map.setAttribute("viewBox", "0 0 " + p.width.toFixed(0) + " " + p.height.toFixed(0));
    var streets = svg("g", { "class": "streets" });
    state.streets.features.forEach(function (f) {
      var points = f.geometry.coordinates.map(function (c) { return p.point(c[0], c[1]).map(function (v) { return v.toFixed(1); }).join(","); });
      var line = svg("polyline", { points: points.join(" "), "class": "street " + levelClass(f.properties.level), "data-street": f.properties.id });
      var title = svg("title", {});
      title.textContent = f.properties.name + " — " + f.properties.level + " (target " + f.properties.target + ")" +
        (f.properties.adopted ? " · adopted" : "") + (f.properties.open_reports ? " · " + f.properties.open_reports + " reports" : "");
      line.appendChild(title);
      streets.appendChild(line);
    });
    map.appendChild(streets);
    var plan = state.plan;
    if (!plan) { return; }
    var routes = svg("g", { "class": "routes" });
    plan.crews.forEach(function (crew, index) {
      if (!crew.visits.length) { return; }
      var colour = CREW_COLOURS[index % CREW_COLOURS.length];
      var depot = p.point(crew.depot_lon, crew.depot_lat);
      var path = [depot].concat(crew.visits.map(function (v) { return p.point(v.lon, v.lat); })).concat([depot]);
      routes.appendChild(svg("polyline", {
        points: path.map(function (q) { return q[0].toFixed(1) + "," + q[1].toFixed(1); }).join(" "),
        "class": "route", stroke: colour, "data-crew": crew.id
      }));
      crew.visits.forEach(function (v) {
        var q = p.point(v.lon, v.lat);
        var dot = svg("circle", { cx: q[0].toFixed(1), cy: q[1].toFixed(1), r: v.change === "added" ? 5 : 3.2,
          fill: colour, "class": "stop" + (v.change === "added" ? " changed" : ""), "data-visit": v.visit_id });
        var title = svg("title", {});
        title.textContent = crew.name + " #" + (v.position + 1) + " " + (v.eta_local || "") + " " + v.street_name;
        dot.appendChild(title);
        routes.appendChild(dot);
      });
      routes.appendChild(svg("rect", { x: (depot[0] - 5).toFixed(1), y: (depot[1] - 5).toFixed(1), width: 10, height: 10, "class": "depot" }));
    });
    map.appendChild(routes);
  }

  function highlightStreet(streetId, on) {
    Array.prototype.forEach.call(document.querySelectorAll('#map [data-street="' + streetId + '"]'), function (n) {
      n.classList.toggle("highlight", on);
    });
  }

  /* --- plan list --- */
  function badge(kind, text) { var b = el("span", "badge " + kind, text); return b; }

  function renderPlan() {
    var crews = $("crews");
    if (!crews) { return; }
    crews.textContent = "";
    $("removed-list").textContent = "";
    $("removed").hidden = true;
    var plan = state.plan;
    if (!plan) {
      $("plan-summary").textContent = state.plan === null ? t("no_plan") : t("loading");
      $("plan-status").textContent = "";
      document.body.setAttribute("data-version", "0");
      drawMap();
      return;
    }
    document.body.setAttribute("data-version", String(plan.version));
    $("plan-status").textContent = plan.plan_date + " · " + t("version") + " " + plan.version;
    var share = plan.prize_available ? Math.round(100 * plan.prize_collected / plan.prize_available) : 100;
    $("plan-summary").textContent = plan.visits + " " + t("visits") + " · " + plan.crew_hours + " " + t("crew_hours") +
      " · " + share + "% " + t("prize") + " · " + t("since") + ": " + plan.trigger;
    plan.crews.forEach(function (crew, index) {
      var box = el("article", "crew");
      box.setAttribute("data-crew", crew.id);
      box.classList.add("crew-colour-" + (index % CREW_COLOURS.length));
      var head = el("header");
      head.appendChild(el("h3", null, crew.name));
      head.appendChild(el("span", "meta", t("mode_" + crew.mode) + " · " + t("shift") + " " + crew.shift_local +
        (crew.returns_local ? " · " + t("back_at") + " " + crew.returns_local : "") + " · " + crew.visits.length + " " + t("visits")));
      var print = el("button", "secondary print", t("print"));
      print.type = "button";
      print.addEventListener("click", function () { printCrew(crew.id); });
      head.appendChild(print);
      box.appendChild(head);
      if (!crew.visits.length) { box.appendChild(el("p", "small", t("no_visits"))); }
      var list = el("ol", "visits");
      crew.visits.forEach(function (v) {
        var item = el("li", "visit" + (v.change === "added" || v.change === "moved" ? " changed" : ""));
        item.setAttribute("data-visit", v.visit_id);
        item.setAttribute("data-street", v.street_id);
        var line = el("div", "line");
        line.appendChild(el("span", "eta", v.eta_local || ""));
        line.appendChild(el("span", "name", v.street_name));
        line.appendChild(el("span", "kind", t("kind_" + v.kind)));
        if (v.change) { line.appendChild(badge(v.change, t(v.change))); }
        if (v.status === "done") {
          line.appendChild(badge("done", t("done")));
        } else {
          if (v.status === "started") { line.appendChild(badge("started", t("started"))); }
          var done = el("button", "mark-done", t("mark_done"));
          done.type = "button";
          done.addEventListener("click", function () { markDone(v.visit_id, done); });
          line.appendChild(done);
        }
        item.appendChild(line);
        item.appendChild(el("div", "reason", v.reason));
        item.addEventListener("mouseenter", function () { highlightStreet(v.street_id, true); });
        item.addEventListener("mouseleave", function () { highlightStreet(v.street_id, false); });
        list.appendChild(item);
      });
      box.appendChild(list);
      crews.appendChild(box);
    });
    if (plan.removed_visits && plan.removed_visits.length) {
      $("removed").hidden = false;
      plan.removed_visits.forEach(function (r) {
        $("removed-list").appendChild(el("li", null, r.street_name + " — " + r.reason));
      });
    }
    drawMap();
  }

  /* --- data --- */
  function currentDate() { return state.days ? state.days[state.day] : null; }

  function loadPlan() {
    var day = currentDate();
    if (!day) { return Promise.resolve(); }
    return json(API + "/plans/" + day).then(function (plan) {
      state.plan = plan;
      renderPlan();
    }).catch(function (error) {
      if (error.status === 404) { state.plan = null; renderPlan(); return; }
      $("plan-summary").textContent = t("error") + error.message;
    });
  }

  function loadStreets() {
    return json(API + "/street-map").then(function (map) {
      state.streets = map;
      state.projection = makeProjection(map.features);
      drawMap();
    });
  }

  function markDone(visitId, button) {
    button.disabled = true;
    json(API + "/visits/" + visitId + "/done", { method: "POST" })
      .then(function () { return Promise.all([loadPlan(), loadStreets()]); })
      .catch(function (error) { button.disabled = false; $("plan-summary").textContent = t("error") + error.message; });
  }

  function replan() {
    var day = currentDate();
    $("replan").disabled = true;
    json(API + "/plans/" + day + "/replan", { method: "POST" })
      .then(loadPlan)
      .catch(function (error) { $("plan-summary").textContent = t("error") + error.message; })
      .then(function () { $("replan").disabled = false; });
  }

  function printCrew(crewId) {
    api(API + "/plans/" + currentDate() + "/crews/" + crewId + "/print").then(function (answer) {
      return answer.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var sheet = doc.querySelector("main.crew-sheet");
      var area = $("print-area");
      area.textContent = "";
      if (sheet) { area.appendChild(document.importNode(sheet, true)); }
      window.print();
    });
  }

  /* --- live updates: staff only; EventSource sends no headers, so the token goes in the query --- */
  function connectLive() {
    if (state.source || typeof EventSource === "undefined") { return; }
    var source = new EventSource("/api/v1/live/plans?access_token=" + encodeURIComponent(token() || ""));
    state.source = source;
    source.addEventListener("ready", function () {
      $("live-status").setAttribute("data-state", "on");
      $("live-status").textContent = t("live_on");
    });
    source.addEventListener("plan.published", function (event) {
      var data = {};
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!state.days || (data.plan_date !== state.days.today && data.plan_date !== state.days.tomorrow)) { return; }
      if (data.plan_date !== currentDate()) { return; }
      state.liveVersion = data.version;
      $("live-status").setAttribute("data-state", "updated");
      $("live-status").textContent = t("updated") + data.version + " (+" + data.added + " / −" + data.removed + ")";
      document.body.setAttribute("data-live-version", String(data.version));
      loadPlan();
      loadStreets();
    });
    source.onerror = function () {
      $("live-status").setAttribute("data-state", "off");
      $("live-status").textContent = t("live_off");
    };
  }

  function selectDay(which) {
    state.day = which;
    Array.prototype.forEach.call(document.querySelectorAll("button.day"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-day") === which));
    });
    state.plan = undefined;
    renderPlan();
    loadPlan();
  }

  function start() {
    showLogin(false);
    json(API + "/plan-days").then(function (days) {
      state.days = days;
      connectLive();
      return Promise.all([loadStreets(), loadPlan()]);
    }).catch(function (error) {
      if (error.message !== "401") { $("plan-summary").textContent = t("error") + error.message; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var saved = localStorage.getItem(LANG_KEY);
    var browser = (navigator.language || "en").slice(0, 2).toLowerCase();
    applyLanguage(saved || (browser === "nl" ? "nl" : "en"));
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", function () {
      api("/api/v1/auth/logout", { method: "POST" }).catch(function () { return null; }).then(logout);
    });
    $("replan").addEventListener("click", replan);
    Array.prototype.forEach.call(document.querySelectorAll("button.lang"), function (b) {
      b.addEventListener("click", function () { applyLanguage(b.getAttribute("data-lang")); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.day"), function (b) {
      b.addEventListener("click", function () { selectDay(b.getAttribute("data-day")); });
    });
    if (token()) { start(); } else { showLogin(true); }
  });
}());
