/* LedgerLens workbench core: messages, the JWT session, the API client and the page shell.
 *
 * Every page loads this file first; it exposes one global, `LL`. The pages talk to the server
 * only through the public REST API (/api/v1/) with a bearer token, as any SPA would.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("workbench-config").textContent);
  var messages = config.messages || {};
  var STORE = { access: "ll.access", refresh: "ll.refresh", user: "ll.user" };
  // Refresh this many seconds before the access token expires, so a request never races it.
  var REFRESH_MARGIN_S = 30;

  /* ---- messages ------------------------------------------------------------------------ */

  function lookup(key) {
    return key.split(".").reduce(function (node, part) {
      return node && typeof node === "object" ? node[part] : undefined;
    }, messages);
  }

  // t("approve_failed", {message: "..."}) — Python-style %(name)s placeholders, like gettext.
  function t(key, values) {
    var text = lookup(key);
    if (typeof text !== "string") return key;
    return text.replace(/%\((\w+)\)s|%%/g, function (match, name) {
      if (match === "%%") return "%";
      return values && values[name] !== undefined ? String(values[name]) : match;
    });
  }

  /* ---- formatting ---------------------------------------------------------------------- */

  var locale = document.documentElement.lang || "en";

  function money(value, currency) {
    if (value === null || value === undefined || value === "") return "–";
    var number = Number(value);
    if (!isFinite(number)) return String(value);
    var text = number.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return currency ? text + " " + currency : text;
  }

  function age(isoDate) {
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(isoDate)) / 60000));
    if (minutes < 60) return t("age.minutes", { n: minutes });
    if (minutes < 48 * 60) return t("age.hours", { n: Math.round(minutes / 60) });
    return t("age.days", { n: Math.round(minutes / 1440) });
  }

  // Builds an element: el("td", {class: "num", text: "1"}, [children]). Text is never parsed
  // as HTML, so values from documents cannot inject markup.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function role(name, scope) {
    return (scope || document).querySelector('[data-role="' + name + '"]');
  }

  var flashTimer = null;
  function flash(text, kind) {
    var box = role("flash");
    if (!box) return;
    box.textContent = text;
    box.className = "flash " + (kind || "info");
    box.hidden = false;
    clearTimeout(flashTimer);
    if (kind !== "error") flashTimer = setTimeout(function () { box.hidden = true; }, 4000);
  }

  /* ---- session ------------------------------------------------------------------------- */

  function tokenExpiry(token) {
    try {
      var payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload)).exp || 0;
    } catch (error) {
      return 0;
    }
  }

  var session = {
    access: function () { return localStorage.getItem(STORE.access); },
    refresh: function () { return localStorage.getItem(STORE.refresh); },
    user: function () {
      try { return JSON.parse(localStorage.getItem(STORE.user) || "null"); } catch (e) { return null; }
    },
    store: function (tokens) {
      if (tokens.access) localStorage.setItem(STORE.access, tokens.access);
      if (tokens.refresh) localStorage.setItem(STORE.refresh, tokens.refresh);
      if (tokens.user) localStorage.setItem(STORE.user, JSON.stringify(tokens.user));
    },
    clear: function () {
      Object.keys(STORE).forEach(function (key) { localStorage.removeItem(STORE[key]); });
    },
    active: function () { return Boolean(this.refresh()); },
  };

  function ApiError(status, code, message, details) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details || {};
  }

  // Turns any failed response into an ApiError; the API promises one JSON error shape.
  function errorFrom(response) {
    return response.json().then(
      function (body) {
        var error = (body && body.error) || {};
        var failure = new ApiError(response.status, error.code || "error", error.message || response.statusText, error.details);
        failure.retryAfter = response.headers.get("Retry-After");
        return failure;
      },
      function () {
        return new ApiError(response.status, "error", response.statusText || String(response.status));
      }
    );
  }

  function networkError() {
    return new ApiError(0, "network_error", t("network_error"));
  }

  function goToLogin(reason) {
    session.clear();
    var next = location.pathname + location.search;
    location.assign(config.loginUrl + "?reason=" + reason + "&next=" + encodeURIComponent(next));
  }

  // One refresh at a time: concurrent requests that find the token stale share it, because
  // the refresh token rotates and a second use of the old one would be refused (blacklisted).
  var refreshing = null;
  function refreshAccess() {
    if (refreshing) return refreshing;
    var refresh = session.refresh();
    if (!refresh) return Promise.reject(new ApiError(401, "not_authenticated", t("session_expired")));
    refreshing = fetch("/api/v1/auth/refresh/", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh: refresh }),
    })
      .then(function (response) {
        if (!response.ok) return errorFrom(response).then(function (error) { throw error; });
        return response.json().then(function (tokens) { session.store(tokens); return tokens.access; });
      }, function () { throw networkError(); })
      .catch(function (error) {
        // Another tab may have spent the same refresh token a moment earlier: its new pair is
        // in the shared storage, and the session lives on.
        var current = session.refresh();
        if (error.status && current && current !== refresh && session.access()) return session.access();
        throw error;
      })
      .finally(function () { refreshing = null; });
    return refreshing;
  }

  function freshAccess() {
    var access = session.access();
    if (access && tokenExpiry(access) - Date.now() / 1000 > REFRESH_MARGIN_S) return Promise.resolve(access);
    return refreshAccess();
  }

  function send(path, options, access) {
    var headers = Object.assign({ Accept: "application/json", "X-Client": "web" }, options.headers || {});
    var body = options.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    if (access) headers.Authorization = "Bearer " + access;
    return fetch(path, { method: options.method || "GET", headers: headers, body: body }).catch(function () {
      throw networkError();
    });
  }

  function sessionLost(error) {
    // A refresh the server refuses means the session is over; a network failure is not that.
    if (error && error.status && error.status !== 0) goToLogin("expired");
    throw error;
  }

  // api("/api/v1/invoices/", {method, body, as: "json"|"blob"}) → parsed body; throws ApiError.
  function api(path, options) {
    options = options || {};
    return freshAccess()
      .catch(sessionLost)
      .then(function (access) { return send(path, options, access); })
      .then(function (response) {
        if (response.status !== 401) return response;
        // The token may have been revoked or expired early: refresh once and retry once.
        return refreshAccess()
          .catch(sessionLost)
          .then(function (access) { return send(path, options, access); })
          .then(function (retry) {
            if (retry.status === 401) goToLogin("expired");
            return retry;
          });
      })
      .then(function (response) {
        if (!response.ok) return errorFrom(response).then(function (error) { throw error; });
        if (options.as === "blob") return response.blob();
        if (response.status === 204) return null;
        return response.json();
      });
  }

  function login(username, password) {
    return send("/api/v1/auth/login/", { method: "POST", body: { username: username, password: password } })
      .then(function (response) {
        if (!response.ok) return errorFrom(response).then(function (error) { throw error; });
        return response.json();
      })
      .then(function (tokens) { session.store(tokens); return tokens; });
  }

  function logout() {
    var refresh = session.refresh();
    var done = function () { session.clear(); location.assign(config.loginUrl + "?reason=logged_out"); };
    if (!refresh) return done();
    // Revoke the refresh token itself (no access token needed: refreshing first would rotate
    // it and leave the new one alive). Leave locally even when the server cannot be reached.
    return send("/api/v1/auth/logout/", { method: "POST", body: { refresh: refresh } }).then(done, done);
  }

  // Follows a job until it is final; calls onUpdate(job) on every change of status.
  function pollJob(jobId, onUpdate, intervalMs) {
    var delay = intervalMs || 700;
    return new Promise(function (resolve, reject) {
      var last = null;
      function tick() {
        api("/api/v1/jobs/" + jobId + "/").then(function (job) {
          if (job.status !== last) { last = job.status; onUpdate(job); }
          if (job.status === "succeeded" || job.status === "failed") return resolve(job);
          delay = Math.min(delay * 1.3, 4000);
          setTimeout(tick, delay);
        }, reject);
      }
      tick();
    });
  }

  function results(body) {
    return Array.isArray(body) ? body : (body && body.results) || [];
  }

  function count(body) {
    return Array.isArray(body) ? body.length : (body && body.count) || 0;
  }

  // The agent's customers (the API scopes the list), fetched once per page: invoices carry
  // only the customer's id.
  var customers = null;
  function customerList() {
    customers = customers || api("/api/v1/customers/?page_size=200&ordering=name").then(results, function () { return []; });
    return customers;
  }

  /* ---- shell --------------------------------------------------------------------------- */

  function ready(name) {
    // The e2e run reads this mark to measure "page usable", images included.
    if (window.performance && performance.mark) performance.mark("workbench-ready");
    document.body.setAttribute("data-ready", name || "1");
  }

  function setUpShell() {
    var picker = document.querySelector('[data-action="language"]');
    if (picker) picker.addEventListener("change", function () { picker.form.submit(); });
    if (config.page === "login") return;
    if (!session.active()) return goToLogin("expired");
    var user = session.user();
    var who = role("username");
    if (who && user) who.textContent = user.username;
    var button = document.querySelector('[data-action="logout"]');
    if (button) button.addEventListener("click", logout);
  }

  window.LL = {
    config: config,
    t: t,
    money: money,
    age: age,
    el: el,
    role: role,
    flash: flash,
    api: api,
    login: login,
    logout: logout,
    pollJob: pollJob,
    results: results,
    count: count,
    customerList: customerList,
    session: session,
    ready: ready,
    ApiError: ApiError,
  };

  setUpShell();
})();
