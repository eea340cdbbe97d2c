/* Login: trade username and password for JWT tokens, then go where the agent was headed. */
(function () {
  "use strict";
  var form = LL.role("login-form");
  var notice = LL.role("login-notice");
  var params = new URLSearchParams(location.search);

  function show(text, kind) {
    notice.textContent = text;
    notice.className = "notice " + (kind || "error");
    notice.hidden = false;
  }

  // Only same-site paths are followed, so a crafted link cannot bounce the agent elsewhere.
  function nextUrl() {
    var next = params.get("next") || "";
    return /^\/workbench\/(?!login)/.test(next) && next.indexOf("//") === -1 ? next : LL.config.homeUrl;
  }

  var reason = params.get("reason");
  if (reason === "expired") show(LL.t("session_expired"), "warning");
  else if (reason === "logged_out") show(LL.t("logged_out"), "info");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    LL.login(form.username.value.trim(), form.password.value)
      .then(function () { location.assign(nextUrl()); })
      .catch(function (error) {
        var seconds = error.retryAfter || (error.details && error.details.retry_after);
        if (error.status === 429) show(LL.t("login_throttled", { seconds: seconds || "?" }));
        else show(LL.t("login_failed", { message: error.message }));
        form.password.value = "";
        form.password.focus();
      })
      .finally(function () { button.disabled = false; });
  });
  LL.ready("login");
})();
