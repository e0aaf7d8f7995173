/* The volunteer page. No framework, no inline script: everything is wired with addEventListener. */
(function () {
  "use strict";

  var SC = window.Streetcare; /* common.js: the catalogue, formats, DOM helpers, JSON calls */
  var API = "/api/v1/volunteers";
  var STREETS_GEOJSON = "/api/v1/reports/streets.geojson"; /* the city's public street map */
  var TOKEN_KEY = "streetcare.volunteer.token"; /* localStorage: logged in across tabs and reloads */
  var PICK_QUEUE_KEY = "streetcare.volunteer.picks";
  var PROBLEMS = ["volunteer.problem"]; /* the catalogue's words for this page's refusal codes (then "problem") */


  var me = null;
  var adoptionsCache = [];

  /* this page's texts are the "volunteer" part of the one catalogue (/static/i18n/<lang>.json) */
  function t(key, values) { return SC.t("volunteer." + key, values); }
  var $ = SC.$, el = SC.el, key = SC.newKey;
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function when(iso) { return iso ? SC.fmtDate(iso, true) : t("adoption.never"); }
  function day(iso) { return SC.fmtDate(iso, false); }

  function say(message, isError) {
    var box = $("status");
    box.textContent = message || "";
    box.classList.toggle("error", Boolean(isError));
  }

  function applyLanguage() {
    SC.applyLanguage();
  }

  function token() { return localStorage.getItem(TOKEN_KEY); }

  /* common.js's JSON call, with what this page needs on top: the volunteer's token, a logout on
     401, and refusals as Errors: their message in the page's language (SC.explain), their answer
     kept for the forms, which put what is about a field beside it (showServerErrors) */
  function api(method, path, body, extraHeaders) {
    var headers = Object.assign({ "Accept": "application/json" }, extraHeaders || {});
    return SC.api(path, { method: method, json: body, headers: headers, token: token() || undefined })
      .catch(function () { var error = new Error(t("error.network")); error.network = true; throw error; })
      .then(function (answer) {
        var data = answer.body || {};
        if (answer.status === 401 && token()) { localStorage.removeItem(TOKEN_KEY); showWelcome(); }
        if (!answer.ok) {
          var error = new Error(SC.explain(data, { status: answer.status, groups: PROBLEMS, generic: method === "GET" ? "problem.notLoaded" : "problem.generic" }));
          error.body = data;
          error.status = answer.status;
          throw error;
        }
        return answer.status === 204 ? null : answer.body;
      });
  }
  function post(path, body) { return api("POST", path, body, { "Idempotency-Key": key() }); }
  function fail(error) { say(error.message, true); }

  function formData(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (input) { if (input.name) { data[input.name] = input.value; } });
    return data;
  }

  function busy(form, promise) {
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    return promise.finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  }

  // ---- logged out ----------------------------------------------------------------------------

  function showWelcome() {
    $("app").hidden = true;
    $("welcome").hidden = false;
  }

  function logIn(email, password) {
    return api("POST", "/api/v1/auth/login", { email: email, password: password }).then(function (answer) {
      localStorage.setItem(TOKEN_KEY, answer.access_token);
      return start();
    });
  }

  function wireWelcome() {
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var data = formData(event.target);
      busy(event.target, logIn(data.email, data.password)).catch(function (error) {
        if (error.status === 403) { /* the right password, but the address is not confirmed yet */
          $("resend-confirmation").hidden = false;
          say(t("login.unconfirmed"), true);
          return;
        }
        if (error.status === 401) { say(t("login.failed"), true); $("login-password").focus(); return; }
        showServerErrors(event.target, error, { email: $("login-email"), password: $("login-password") });
      });
    });
    $("signup-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var data = formData(event.target);
      data.language = SC.lang;
      /* no login yet: the address is confirmed first, through the link in the mail */
      busy(event.target, post(API + "/signup", data).then(function () {
        event.target.reset();
        $("login-email").value = data.email;
        $("resend-confirmation").hidden = false;
        say(t("signup.checkMail"));
      })).catch(function (error) {
        showServerErrors(event.target, error, { display_name: $("signup-name"), email: $("signup-email"), password: $("signup-password") });
      });
    });
    $("resend-confirmation").addEventListener("click", function () {
      var email = $("login-email").value.trim();
      if (!email) { $("login-email").focus(); return; }
      api("POST", API + "/signup/resend", { email: email }).then(function () { say(t("confirm.resent")); }).catch(fail);
    });
    $("forgot").addEventListener("click", function () {
      $("reset-request-form").hidden = false;
      $("reset-email").value = $("login-email").value;
      $("reset-email").focus();
    });
    $("reset-request-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var email = $("reset-email").value;
      busy(event.target, api("POST", API + "/password-reset", { email: email })).then(function () {
        say(t("reset.sent"));
        $("reset-confirm-form").hidden = false;
        return api("GET", API + "/demo/mailbox?to=" + encodeURIComponent(email)).then(showMailbox, function () { /* not a demo */ });
      }).catch(function (error) { showServerErrors(event.target, error, { email: $("reset-email") }); });
    });
    $("reset-confirm-form").addEventListener("submit", function (event) {
      event.preventDefault();
      busy(event.target, api("POST", API + "/password-reset/confirm", formData(event.target))).then(function () {
        say(t("reset.done"));
        event.target.hidden = true;
        history.replaceState(null, "", "/volunteer");
        $("login-password").focus();
      }).catch(function (error) {
        showServerErrors(event.target, error, { token: $("reset-token"), new_password: $("reset-password") });
      });
    });
  }

  /* the link in the sign-up mail: /volunteer#confirm=<token> confirms the address (once) */
  function confirmFromLink(tokenFromMail) {
    history.replaceState(null, "", "/volunteer");
    showWelcome();
    say(t("confirm.busy"));
    api("POST", API + "/signup/confirm", { token: tokenFromMail }).then(function (answer) {
      $("login-email").value = answer.email || "";
      say(t("confirm.done"));
      $("login-password").focus();
    }, function (error) {
      if (error.network) { fail(error); return; }
      $("resend-confirmation").hidden = false;
      say(t("confirm.failed"), true);
    });
  }

  function showMailbox(mails) {
    var list = $("mailbox-list");
    clear(list);
    (mails || []).slice(0, 3).forEach(function (mail) {
      list.appendChild(el("li", {}, [el("strong", { text: mail.subject }), el("pre", { text: mail.body })]));
    });
    $("mailbox").hidden = !(mails && mails.length);
    var match = mails && mails.length && /Code: (\S+)/.exec(mails[0].body);
    if (match) { $("reset-token").value = match[1]; }
  }

  // ---- logged in -----------------------------------------------------------------------------

  function start() {
    return api("GET", API + "/me").then(function (profile) {
      localStorage.setItem("streetcare.volunteer.me", JSON.stringify(profile));
      return profile;
    }, function (error) {
      /* offline: the page opens with what this phone knew, and picks wait in the queue */
      var known = localStorage.getItem("streetcare.volunteer.me");
      if (error.network && known) { return JSON.parse(known); }
      throw error;
    }).then(function (profile) {
      me = profile;
      $("welcome").hidden = true;
      $("app").hidden = false;
      $("me-name").textContent = me.display_name;
      SC.showAddress($("me-email"), me.email);
      $("opt-out").checked = Boolean(me.leaderboard_opt_out);
      showTab("streets");
      showQueuedPicks();
      flushPicks();
      joinFromLink();
    });
  }

  function showTab(name) {
    document.querySelectorAll(".tab").forEach(function (tab) {
      if (tab.getAttribute("data-tab") === name) { tab.setAttribute("aria-current", "page"); }
      else { tab.removeAttribute("aria-current"); }
    });
    document.querySelectorAll(".panel").forEach(function (panel) { panel.hidden = panel.id !== "panel-" + name; });
    var loaders = { streets: loadAdoptions, sessions: function () { return Promise.all([loadSessions(), loadTeams()]); },
      bags: loadBags, impact: loadImpact, find: function () { return refreshMine().then(function () { drawResults(lastResults); }); } };
    if (loaders[name]) { loaders[name]().catch(fail); }
  }

  function badge(status) { return el("span", { className: "badge " + status, text: t("status." + status) }); }

  function loadAdoptions() {
    return api("GET", API + "/adoptions").then(function (adoptions) {
      adoptionsCache = adoptions;
      var list = $("adoptions");
      clear(list);
      $("streets-empty").hidden = adoptions.length > 0;
      adoptions.forEach(function (adoption) { list.appendChild(adoptionCard(adoption)); });
      fillBagStreets();
    });
  }

  function adoptionCard(adoption) {
    var level = el("p", { className: "meta" });
    var item = el("li", { "data-street-id": String(adoption.street_id), "data-adoption-id": String(adoption.id) }, [
      el("h3", { text: adoption.street_name }),
      el("p", { className: "meta" }, [
        badge(adoption.status), document.createTextNode(" " + t("rhythm." + adoption.rhythm)),
        adoption.team_name ? document.createTextNode(" · " + t("adoption.team") + " " + adoption.team_name) : null
      ]),
      el("p", { className: "meta", text: t("adoption.lastPick") + ": " + when(adoption.last_pick_at) }),
      adoption.next_pick_due ? el("p", { className: "meta", text: t("adoption.due") + ": " + day(adoption.next_pick_due) }) : null,
      adoption.paused_until ? el("p", { className: "meta", text: t("adoption.pausedUntil") + ": " + day(adoption.paused_until) }) : null,
      level
    ]);
    api("GET", "/api/v1/scheduling/streets/" + adoption.street_id).then(function (street) {
      level.textContent = t("adoption.level") + ": " + street.estimated_level + " (" + t("adoption.target") + " " + street.target_level + ")";
    }, function () { /* scheduling unavailable: the page still works */ });

    var actions = el("div", { className: "actions" });
    var logButton = el("button", { type: "button", className: "log-pick", text: t("pick.log") });
    logButton.addEventListener("click", function () { togglePickForm(item, adoption); });
    actions.appendChild(logButton);
    if (adoption.can_manage) {
      if (adoption.status === "active") { actions.appendChild(action("adoption.pause", function (b) { pauseAdoption(adoption, b); })); }
      if (adoption.status === "paused" || adoption.status === "lapsed") {
        actions.appendChild(action("adoption.resume", function (b) { changeAdoption(adoption, "resume", undefined, b); }));
      }
      actions.appendChild(action("adoption.end", function (b) {
        if (window.confirm(t("adoption.endAsk"))) { changeAdoption(adoption, "end", undefined, b); }
      }, "secondary small"));
    }
    item.appendChild(actions);
    return item;
  }

  function action(label, handler, className) {
    var button = el("button", { type: "button", className: className || "secondary small", text: t(label) });
    button.addEventListener("click", function () { handler(button); });
    return button;
  }

  function changeAdoption(adoption, verb, body, button) {
    button.disabled = true;
    api("POST", API + "/adoptions/" + adoption.id + "/" + verb, body).then(function () {
      say(t("done"));
      return loadAdoptions();
    }).catch(function (error) { refusedBeside(button, error); });
  }

  function pauseAdoption(adoption, button) {
    var inTwoWeeks = new Date(Date.now() + 14 * 86400000).toISOString().slice(0, 10);
    var until = window.prompt(t("adoption.pauseAsk"), inTwoWeeks);
    if (until) { changeAdoption(adoption, "pause", { until: until }, button); }
  }

  function togglePickForm(item, adoption) {
    var existing = item.querySelector(".pick-form");
    if (existing) { existing.remove(); return; }
    var id = "pick-" + adoption.id;
    var form = el("form", { className: "pick-form", novalidate: "" }, [
      el("label", { "for": id + "-bags", text: t("pick.bags") }),
      el("label", { "for": id + "-minutes", text: t("pick.minutes") }),
      el("input", { id: id + "-bags", name: "bags", type: "number", min: "0", max: "50", value: "1", inputmode: "numeric" }),
      el("input", { id: id + "-minutes", name: "minutes", type: "number", min: "0", max: "600", value: "30", inputmode: "numeric" }),
      el("label", { "for": id + "-note", className: "wide", text: t("pick.note") }),
      el("input", { id: id + "-note", name: "note", className: "wide", maxlength: "500" }),
      el("label", { "for": id + "-photo", className: "wide", text: t("pick.photo") }),
      el("input", { id: id + "-photo", name: "photo", className: "wide", type: "file", accept: "image/*", capture: "environment" }),
      el("button", { type: "submit", className: "save-pick", text: t("pick.save") })
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        street_ids: [adoption.street_id],
        bags: parseInt(form.elements.bags.value || "0", 10),
        minutes: parseInt(form.elements.minutes.value || "0", 10),
        note: form.elements.note.value
      };
      if (adoption.team_id) { body.team_id = adoption.team_id; }
      busy(form, readPhoto(form.elements.photo).then(function (photo) {
        if (photo) { body.photo = photo; }
        return sendPick({ key: key(), body: body });
      })).then(function (sent) {
        say(t(sent ? "pick.saved" : "pick.queued"));
        showQueuedPicks();
        return sent ? loadAdoptions() : null;
      }).catch(function (error) {
        var f = form.elements;
        showServerErrors(form, error, { bags: f.bags, minutes: f.minutes, note: f.note, photo: f.photo });
      });
    });
    item.appendChild(form);
    form.querySelector(".save-pick").focus();
  }

  // ---- picks are queued on the phone and sent exactly once (one Idempotency-Key per pick) ----

  function queuedPicks() { try { return JSON.parse(localStorage.getItem(PICK_QUEUE_KEY)) || []; } catch (e) { return []; } }
  function keepPicks(items) {
    try { localStorage.setItem(PICK_QUEUE_KEY, JSON.stringify(items)); }
    catch (e) { items.forEach(function (i) { delete i.body.photo; }); localStorage.setItem(PICK_QUEUE_KEY, JSON.stringify(items)); }
  }
  function dropPick(item) { keepPicks(queuedPicks().filter(function (q) { return q.key !== item.key; })); }
  /* resolves true when sent, false when kept for later (no connection); rejects when refused */
  function sendPick(item) {
    if (!queuedPicks().some(function (q) { return q.key === item.key; })) { keepPicks(queuedPicks().concat([item])); }
    if (!navigator.onLine) { return Promise.resolve(false); }
    return api("POST", API + "/picks", item.body, { "Idempotency-Key": item.key }).then(function () {
      dropPick(item);
      return true;
    }, function (error) {
      if (error.network) { return false; }
      dropPick(item); /* refused: said next to the form, not retried forever */
      throw error;
    });
  }
  var flushingPicks = false;
  function flushPicks() {
    var waiting = queuedPicks();
    if (flushingPicks || !waiting.length || !navigator.onLine || !token()) { return Promise.resolve(); }
    flushingPicks = true;
    return waiting.reduce(function (chain, item) {
      return chain.then(function () {
        return sendPick(item).catch(function (error) { say(t("pick.refused", { reason: error.message }), true); });
      });
    }, Promise.resolve()).then(function () {
      flushingPicks = false;
      if (!queuedPicks().length) { say(t("pick.flushed")); retryPicks.reset(); }
      else { retryPicks.later(); }
      showQueuedPicks();
    });
  }
  var retryPicks = window.Streetcare.retrier(flushPicks); /* what is still waiting is tried again by itself */
  function showQueuedPicks() {
    var count = queuedPicks().length, node = $("picks-waiting");
    if (!node) { return; }
    node.hidden = !count;
    node.textContent = count ? t("pick.waiting", { count: String(count) }) : "";
  }

  function readPhoto(input) {
    return new Promise(function (resolve, reject) {
      var file = input.files && input.files[0];
      if (!file) { resolve(null); return; }
      var reader = new FileReader();
      reader.addEventListener("load", function () { resolve(reader.result); });
      reader.addEventListener("error", function () { reject(new Error(t("error.photo"))); });
      reader.readAsDataURL(file);
    });
  }

  // ---- errors next to the field they are about, in the page's language ----------------------

  var fieldError = SC.fieldError; /* goes away by itself when the field is changed */
  /* a refusal: what is about a field beside it (`fieldsByName`: the service's field names, as in its
     422 `loc` or a code's params.field), the rest in the status line; a lost connection said as such */
  function showServerErrors(form, error, fieldsByName) {
    if (!error.body) { fail(error); return; }
    var rest = SC.explain(error.body, { status: error.status, groups: PROBLEMS, form: form, fields: SC.fieldsNamed(fieldsByName) });
    say(rest, Boolean(rest));
  }
  /* a refusal of what a button does (adopt, sign up, pause…), said beside that button */
  function refusedBeside(button, error) {
    button.disabled = false;
    if (!error.body) { fail(error); return; }
    SC.explain(error.body, { status: error.status, groups: PROBLEMS, beside: button });
  }

  // ---- teams and clean-ups ---------------------------------------------------------------------

  var myTeams = [];
  function loadTeams() {
    return api("GET", API + "/teams").then(function (teams) {
      myTeams = teams;
      var list = $("teams");
      clear(list);
      teams.forEach(function (team) {
        var items = [el("h3", { text: team.name }),
          el("p", { className: "meta", text: team.members.length + " " + t("team.members") + ": " +
            team.members.map(function (m) { return m.name || m.display_name; }).join(", ") })];
        if (team.join_code) {
          var link = location.origin + "/volunteer#join=" + encodeURIComponent(team.join_code);
          var input = el("input", { id: "invite-" + team.id, readonly: "", value: link, className: "invite" });
          var copy = el("button", { type: "button", className: "secondary", text: t("team.copy") });
          copy.addEventListener("click", function () {
            input.select();
            (navigator.clipboard ? navigator.clipboard.writeText(link) : Promise.reject()).catch(function () { return null; })
              .then(function () { say(t("team.copied")); });
          });
          items.push(el("label", { "for": "invite-" + team.id, text: t("team.invite") }), input, copy);
        }
        var streets = el("ul", { className: "teamstreets", "aria-labelledby": "team-streets-" + team.id });
        items.push(el("h4", { id: "team-streets-" + team.id, text: t("team.streets") }), streets);
        list.appendChild(el("li", { "data-team-id": String(team.id) }, items));
        loadTeamStreets(team, streets);
      });
      fillAdoptFor();
      $("team-form").hidden = teams.some(function (team) { return team.my_role === "coordinator"; });
      $("cleanup-form").hidden = !teams.some(function (team) { return team.my_role === "coordinator"; });
      return fillCleanupStreets();
    });
  }
  /* the streets the team looks after: adopted in its name, or by its members; a button shows them on the map */
  function loadTeamStreets(team, list) {
    return api("GET", API + "/teams/" + team.id + "/streets").then(function (streets) {
      clear(list);
      if (!streets.length) { list.appendChild(el("li", { className: "muted", text: t("team.noStreets") })); return; }
      streets.forEach(function (s) {
        list.appendChild(el("li", { "data-street-id": String(s.street_id) }, [
          el("strong", { text: s.street_name }), document.createTextNode(" "), badge(s.status),
          el("p", { className: "meta", text: t("team.adoptedBy", { name: s.adopter }) + " · " + t("rhythm." + s.rhythm) + " · " +
            t("adoption.lastPick") + ": " + when(s.last_pick_at) })
        ]));
      });
      var show = el("button", { type: "button", className: "secondary", text: t("team.showOnMap") });
      show.addEventListener("click", function () {
        lastResults = streets.map(function (s) {
          return { id: s.street_id, name: s.street_name, centroid: { lat: s.lat, lon: s.lon }, adopters: [{ name: s.adopter }] };
        });
        results = { streets: [], shown: 0 }; /* the list is emptied: a dot on the map reveals nothing in it */
        clear($("results"));
        showTab("find");
      });
      list.appendChild(el("li", {}, [show]));
    }).catch(function () { clear(list); list.appendChild(el("li", { className: "muted", text: t("error.network") })); });
  }
  /* a coordinator may adopt a street in the team's name */
  function fillAdoptFor() {
    var select = $("adopt-for"), chosen = select.value;
    clear(select);
    select.appendChild(el("option", { value: "", text: t("find.forMe") }));
    myTeams.filter(function (team) { return team.my_role === "coordinator"; }).forEach(function (team) {
      select.appendChild(el("option", { value: String(team.id), text: team.name }));
    });
    select.value = chosen && select.querySelector('option[value="' + chosen + '"]') ? chosen : "";
    $("adopt-for-row").hidden = select.options.length < 2;
  }
  function fillCleanupStreets() {
    return api("GET", API + "/adoptions").then(function (adoptions) {
      var select = $("cleanup-street"), chosen = select.value;
      clear(select);
      adoptions.forEach(function (a) { select.appendChild(el("option", { value: String(a.street_id), text: a.street_name })); });
      if (chosen) { select.value = chosen; }
    });
  }
  function createTeam(event) {
    event.preventDefault();
    var name = $("team-name");
    if (name.value.trim().length < 2) { fieldError(name, t(name.value.trim() ? "field.tooShort" : "field.required")); name.focus(); return; }
    busy(event.target, post(API + "/teams", { name: name.value.trim() })).then(function () {
      event.target.reset();
      say(t("team.created"));
      return loadTeams();
    }).catch(function (error) { showServerErrors(event.target, error, { name: name }); });
  }
  function createCleanup(event) {
    event.preventDefault();
    var f = { title: $("cleanup-title"), street: $("cleanup-street"), date: $("cleanup-date"), start: $("cleanup-start"),
      end: $("cleanup-end"), capacity: $("cleanup-capacity"), meeting: $("cleanup-meeting") };
    Object.keys(f).forEach(function (k) { fieldError(f[k], ""); });
    var problems = [];
    ["title", "street", "date", "start", "end"].forEach(function (k) { if (!f[k].value.trim()) { problems.push([f[k], t("field.required")]); } });
    var today = new Date().toISOString().slice(0, 10);
    if (f.date.value && f.date.value < today) { problems.push([f.date, t("field.past")]); }
    if (f.start.value && f.end.value && f.end.value <= f.start.value) { problems.push([f.end, t("field.endBeforeStart")]); }
    var capacity = parseInt(f.capacity.value, 10);
    if (!(capacity >= 1 && capacity <= 500)) { problems.push([f.capacity, t("field.number")]); }
    if (problems.length) {
      problems.forEach(function (p) { fieldError(p[0], p[1]); });
      problems[0][0].focus();
      return;
    }
    var team = myTeams.filter(function (x) { return x.my_role === "coordinator"; })[0];
    var body = { team_id: team.id, title: f.title.value.trim(), street_ids: [parseInt(f.street.value, 10)],
      starts_at: new Date(f.date.value + "T" + f.start.value).toISOString(), ends_at: new Date(f.date.value + "T" + f.end.value).toISOString(),
      capacity: capacity, meeting_point: f.meeting.value.trim() };
    busy(event.target, post(API + "/sessions", body)).then(function () {
      event.target.reset();
      say(t("cleanup.created"));
      return loadSessions();
    }).catch(function (error) {
      showServerErrors(event.target, error, { title: f.title, street_ids: f.street, starts_at: f.date, ends_at: f.end, capacity: f.capacity, meeting_point: f.meeting });
    });
  }
  function joinFromLink() {
    var join = /join=([^&]+)/.exec(location.hash);
    if (!join || !token()) { return Promise.resolve(); }
    return post(API + "/teams/join", { code: decodeURIComponent(join[1]) }).then(function (team) {
      history.replaceState(null, "", "/volunteer");
      say(t("team.joined") + " " + team.name);
    }).catch(fail);
  }

  // ---- adopt, from the map: my streets, adoptable, adopted by others; clean-ups --------------

  var findMap = null, findLayer = null, lastResults = [];
  function ensureFindMap() {
    if (findMap || !window.Streetcare || !window.L) { return Promise.resolve(findMap); }
    return window.Streetcare.createMap($("find-map")).then(function (map) {
      findMap = map;
      /* the city's streets under the found ones, as on the report page (the same public map data) */
      window.Streetcare.streetBase(map, STREETS_GEOJSON);
      findLayer = L.layerGroup().addTo(map);
      map.setView([52.37, 4.9], 13);
      return map;
    });
  }
  function streetStatus(street) {
    if (myStreetIds[street.id]) { return "mine"; }
    if (teamStreetIds[street.id]) { return "team"; }
    return street.adopters.length ? "adopted" : "adoptable";
  }
  var STATUS_COLOURS = { mine: "#1f5fbf", team: "#6a4c93", adoptable: "#1a7f37", adopted: "#b35c00", cleanup: "#b5179e" };
  function drawResults(streets) {
    lastResults = streets;
    ensureFindMap().then(function (map) {
      if (!map) { return; }
      map.invalidateSize();
      findLayer.clearLayers();
      var bounds = L.latLngBounds([]);
      streets.forEach(function (street) {
        var status = streetStatus(street), at = [street.centroid.lat, street.centroid.lon];
        var marker = L.circleMarker(at, { radius: 12, color: "#fff", weight: 2, fillColor: STATUS_COLOURS[status], fillOpacity: 1 });
        marker.bindTooltip(street.name + " \u2014 " + t("map." + status));
        marker.on("click", function () {
          revealResult(street.id);
          var item = document.querySelector("#results li[data-street-id='" + street.id + "']");
          if (item) { item.scrollIntoView({ block: "nearest" }); var b = item.querySelector("button.adopt"); if (b) { b.focus(); } }
        });
        findLayer.addLayer(marker);
        bounds.extend(at);
      });
      upcomingCleanups.forEach(function (session) {
        (session.streets || []).forEach(function (s) {
          var found = streets.filter(function (x) { return x.id === (s.id || s.street_id); })[0];
          if (found) {
            findLayer.addLayer(L.circleMarker([found.centroid.lat, found.centroid.lon], { radius: 18, color: STATUS_COLOURS.cleanup, weight: 3, fill: false, interactive: false }));
          }
        });
      });
      if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3), { maxZoom: 17 }); }
    });
  }
  var myStreetIds = {}, teamStreetIds = {}, upcomingCleanups = [];
  /* my own streets, and my teams' (adopted in a team's name or by a teammate) */
  function refreshMine() {
    return Promise.all([
      api("GET", API + "/adoptions").then(function (adoptions) {
        myStreetIds = {};
        adoptions.forEach(function (a) { if (a.status !== "ended" && !a.team_id) { myStreetIds[a.street_id] = true; } });
      }),
      api("GET", API + "/teams").then(function (teams) {
        return Promise.all(teams.map(function (team) { return api("GET", API + "/teams/" + team.id + "/streets"); }));
      }).then(function (lists) {
        teamStreetIds = {};
        lists.forEach(function (streets) { streets.forEach(function (s) { teamStreetIds[s.street_id] = true; }); });
      }),
      api("GET", API + "/sessions").then(function (sessions) { upcomingCleanups = sessions || []; })
    ]).catch(function () { return null; });
  }

  // ---- adopt ---------------------------------------------------------------------------------

  /* the streets found, nearest first, a page at a time: a phone shows ten, and more on request */
  var RESULTS_PAGE = 10;
  var results = { streets: [], shown: 0 };
  function showResults(streets) {
    refreshMine().then(function () { drawResults(streets); });
    results = { streets: streets, shown: 0 };
    clear($("results"));
    if (!streets.length) { $("results").appendChild(el("li", { text: t("find.none") })); return; }
    showMoreResults(RESULTS_PAGE);
  }
  function showMoreResults(count) {
    var list = $("results"), more = $("results-more");
    if (more) { more.remove(); }
    results.streets.slice(results.shown, results.shown + count).forEach(function (street) { list.appendChild(resultItem(street)); });
    results.shown = Math.min(results.streets.length, results.shown + count);
    var left = results.streets.length - results.shown;
    if (left > 0) {
      var button = el("button", { type: "button", className: "secondary", text: t("find.more", { count: Math.min(left, RESULTS_PAGE) }) });
      button.addEventListener("click", function () {
        var next = results.shown;
        showMoreResults(RESULTS_PAGE);
        var first = $("results").querySelectorAll("li[data-street-id]")[next];
        if (first) { first.querySelector("button.adopt").focus(); }
      });
      list.appendChild(el("li", { id: "results-more", className: "more" }, [button]));
    }
  }
  /* a street picked on the map is shown in the list, however far down it is */
  function revealResult(streetId) {
    for (var index = 0; index < results.streets.length; index++) {
      if (results.streets[index].id === streetId) {
        if (index >= results.shown) { showMoreResults(index + 1 - results.shown); }
        return;
      }
    }
  }
  function resultItem(street) {
    var names = street.adopters.map(function (a) { return a.name; });
    var button = el("button", { type: "button", className: "adopt", text: t("find.adopt"), "aria-label": t("find.adopt") + " " + street.name });
    button.addEventListener("click", function () {
      button.disabled = true;
      var body = { street_id: street.id, rhythm: $("rhythm").value };
      if ($("adopt-for").value) { body.team_id = parseInt($("adopt-for").value, 10); }
      post(API + "/adoptions", body).then(function () {
        say(t("find.adopted"));
        showTab("streets");
      }).catch(function (error) { refusedBeside(button, error); });
    });
    return el("li", { "data-street-id": String(street.id) }, [
      el("h3", { text: street.name }),
      el("p", { className: "meta", text: street.district + " · " + Math.round(street.length_m) + " m" +
        (street.distance_m !== null && street.distance_m !== undefined ? " · " + t("find.away", { m: SC.fmtNumber(street.distance_m, 0) }) : "") }),
      el("p", { className: "meta", text: names.length ? t("find.adopters") + ": " + names.join(", ") : t("find.noAdopters") }),
      el("div", { className: "actions" }, [button])
    ]);
  }

  function where() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error(t("error.location"))); return; }
      navigator.geolocation.getCurrentPosition(
        function (position) { resolve(position.coords); },
        function () { reject(new Error(t("error.location"))); },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }

  // ---- sessions ------------------------------------------------------------------------------

  function loadSessions() {
    return api("GET", API + "/sessions").then(function (sessions) {
      var list = $("sessions");
      clear(list);
      $("sessions-empty").hidden = sessions.length > 0;
      sessions.forEach(function (s) {
        var mine = s.my_status === "confirmed" ? t("sessions.confirmed")
          : s.my_status === "waiting" ? t("sessions.waiting") + " " + s.my_waiting_position : "";
        var actions = el("div", { className: "actions" });
        if (s.my_status === "confirmed" || s.my_status === "waiting") {
          actions.appendChild(action("sessions.cancel", function (b) {
            b.disabled = true;
            api("DELETE", API + "/sessions/" + s.id + "/signups/me").then(loadSessions).catch(function (error) { refusedBeside(b, error); });
          }));
        } else {
          var join = el("button", { type: "button", text: t("sessions.signup") });
          join.addEventListener("click", function () {
            join.disabled = true;
            post(API + "/sessions/" + s.id + "/signups").then(loadSessions).catch(function (error) { refusedBeside(join, error); });
          });
          actions.appendChild(join);
        }
        list.appendChild(el("li", { id: "session-" + s.id }, [
          el("h3", { text: s.title }),
          el("p", { className: "meta", text: when(s.starts_at) + " · " + s.streets.map(function (x) { return x.name; }).join(", ") }),
          s.meeting_point ? el("p", { className: "meta", text: s.meeting_point }) : null,
          el("p", { className: "meta", text: s.places_taken + "/" + s.capacity + " " + t("sessions.places") +
            (s.waiting ? " · " + s.waiting + " " + t("sessions.waitingList") : "") + " · " + t("sessions.by") + " " + s.team_name }),
          mine ? el("p", {}, [el("strong", { text: mine })]) : null,
          actions
        ]));
      });
      return api("GET", API + "/me/calendar").then(function (link) { $("calendar-link").href = link.webcal_url; });
    });
  }

  // ---- bags ----------------------------------------------------------------------------------

  function fillBagStreets() {
    var select = $("bags-street");
    while (select.options.length > 1) { select.remove(1); }
    adoptionsCache.forEach(function (a) {
      select.appendChild(el("option", { value: String(a.street_id), text: a.street_name }));
    });
  }

  function loadBags() {
    var ready = adoptionsCache.length ? Promise.resolve() : loadAdoptions();
    return ready.then(function () { return api("GET", API + "/bags"); }).then(function (requests) {
      var list = $("bag-requests");
      clear(list);
      requests.forEach(function (r) {
        var state = r.status === "collected" ? t("bags.collected") + " " + when(r.collected_at) : t("bags.waiting");
        list.appendChild(el("li", {}, [
          el("h3", { text: r.bags + " × " + r.street_name }),
          el("p", { className: "meta" }, [el("span", { className: "badge " + (r.status === "collected" ? "" : "waiting"), text: state })]),
          el("p", { className: "meta", text: when(r.ready_at) + (r.note ? " · " + r.note : "") })
        ]));
      });
    });
  }

  function sendBags(event) {
    event.preventDefault();
    var form = event.target;
    var choice = $("bags-street").value;
    var body = { bags: parseInt($("bags-count").value || "1", 10), note: $("bags-note").value };
    var located;
    if (choice === "here") {
      located = where().then(function (coords) { body.lat = coords.latitude; body.lon = coords.longitude; });
    } else {
      var street = adoptionsCache.filter(function (a) { return String(a.street_id) === choice; })[0];
      body.street_id = street.street_id;
      located = api("GET", "/api/v1/volunteers/streets/" + street.street_id).then(function (detail) {
        body.lat = detail.centroid.lat; body.lon = detail.centroid.lon;
      });
    }
    busy(form, located.then(function () { return post(API + "/bags", body); })).then(function () {
      say(t("bags.sent"));
      return loadBags();
    }).catch(function (error) {
      showServerErrors(form, error, { bags: $("bags-count"), lat: $("bags-street"), street_id: $("bags-street"), note: $("bags-note") });
    });
  }

  // ---- impact --------------------------------------------------------------------------------

  function loadImpact() {
    var ready = adoptionsCache.length ? Promise.resolve() : loadAdoptions();
    return ready.then(function () { return api("GET", API + "/impact/me"); }).then(function (impact) {
      var stats = $("impact");
      clear(stats);
      [["impact.picks", impact.picks], ["impact.bags", impact.bags], ["impact.hours", impact.hours], ["impact.streets", impact.streets]]
        .forEach(function (pair) { stats.appendChild(el("div", {}, [el("dt", { text: t(pair[0]) }), el("dd", { text: String(pair[1]) })])); });
      var district = adoptionsCache.length ? adoptionsCache[0].district : "";
      var board = $("board");
      clear(board);
      if (!district) { $("board-district").textContent = ""; return null; }
      $("board-district").textContent = t("impact.district") + " " + district + " · " + t("impact.last90");
      return api("GET", API + "/leaderboard?district=" + encodeURIComponent(district)).then(function (result) {
        var rows = result.volunteers.concat(result.teams.map(function (team) { return Object.assign({}, team, { name: team.name + " (team)" }); }));
        if (!rows.length) { board.appendChild(el("li", { text: t("impact.nobody") })); }
        result.volunteers.forEach(function (row) {
          board.appendChild(el("li", { text: row.name + " — " + row.bags + " " + t("impact.bags").toLowerCase() + ", " + row.hours + " h" }));
        });
        result.teams.forEach(function (row) {
          board.appendChild(el("li", { text: row.name + " (" + t("adoption.team") + ") — " + row.bags + " " + t("impact.bags").toLowerCase() }));
        });
      });
    });
  }

  // ---- account -------------------------------------------------------------------------------

  function wireApp() {
    document.querySelectorAll(".tab").forEach(function (tab) {
      tab.addEventListener("click", function () { say(""); showTab(tab.getAttribute("data-tab")); });
    });
    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = $("search-q").value.trim();
      if (q.length < 2) { return; }
      api("GET", API + "/streets?q=" + encodeURIComponent(q)).then(showResults).catch(fail);
    });
    $("near-me").addEventListener("click", function () {
      where().then(function (coords) {
        return api("GET", API + "/streets/near?lat=" + coords.latitude + "&lon=" + coords.longitude + "&radius_m=500");
      }).then(showResults).catch(fail);
    });
    $("bags-form").addEventListener("submit", sendBags);
    $("team-form").addEventListener("submit", createTeam);
    $("cleanup-form").addEventListener("submit", createCleanup);
    $("opt-out").addEventListener("change", function (event) {
      api("PATCH", API + "/me", { leaderboard_opt_out: event.target.checked }).then(function () { say(t("account.saved")); }).catch(fail);
    });
    $("password-form").addEventListener("submit", function (event) {
      event.preventDefault();
      busy(event.target, api("POST", API + "/me/password", formData(event.target))).then(function () {
        event.target.reset();
        say(t("account.saved"));
      }).catch(function (error) {
        showServerErrors(event.target, error, { current_password: $("pw-current"), new_password: $("pw-new") });
      });
    });
    $("logout").addEventListener("click", function () {
      api("POST", "/api/v1/auth/logout").catch(function () { return null; }).then(function () {
        localStorage.removeItem(TOKEN_KEY);
        localStorage.removeItem("streetcare.volunteer.me");
        showWelcome();
      });
    });
    $("delete-account").addEventListener("click", function () {
      if (!window.confirm(t("account.deleteAsk"))) { return; }
      api("DELETE", API + "/me").then(function () {
        localStorage.removeItem(TOKEN_KEY);
        localStorage.removeItem("streetcare.volunteer.me");
        showWelcome();
        say(t("account.deleted"));
      }).catch(fail);
    });
  }

  /* the catalogue first (from the service worker's cache when offline), then everything else */
  document.addEventListener("DOMContentLoaded", function () { SC.loadCatalogues().then(boot); });
  function boot() {
    applyLanguage();
    $("lang").addEventListener("click", function () {
      SC.setLang(SC.lang === "nl" ? "en" : "nl");
      if (me) { api("PATCH", API + "/me", { language: SC.lang }).catch(function () { return null; }); }
      applyLanguage();
      var current = document.querySelector(".tab[aria-current='page']");
      if (current && me) { showTab(current.getAttribute("data-tab")); }
    });
    wireWelcome();
    wireApp();
    window.addEventListener("online", flushPicks);
    window.addEventListener("hashchange", joinFromLink);
    window.addEventListener("hashchange", function () {
      var opened = /confirm=([^&]+)/.exec(location.hash);
      if (opened) { confirmFromLink(decodeURIComponent(opened[1])); }
    });
    window.addEventListener("storage", function (event) {
      if (event.key === TOKEN_KEY && !event.newValue) { me = null; showWelcome(); } /* logged out in another tab */
    });
    if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js").catch(function () { return null; }); }
    var confirmation = /confirm=([^&]+)/.exec(location.hash);
    if (confirmation) {
      confirmFromLink(decodeURIComponent(confirmation[1]));
      return;
    }
    var reset = /reset=([^&]+)/.exec(location.hash);
    if (reset) {
      $("welcome").hidden = false;
      $("reset-confirm-form").hidden = false;
      $("reset-token").value = decodeURIComponent(reset[1]);
      $("reset-password").focus();
      return;
    }
    if (token()) { start().catch(function () { showWelcome(); }); } else { showWelcome(); }
  }
})();
