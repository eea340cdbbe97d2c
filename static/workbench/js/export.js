/* Export download: the chosen format of the rows the agent may see, through the REST API
   (…/export/?format=); a large export is built by a job, followed, then downloaded. */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var form = document.querySelector("[data-role=export]");
  if (!form) return;
  var select = form.querySelector("[data-role=export-format]");
  var state = form.querySelector("[data-role=export-state]");
  var button = form.querySelector("[data-role=export-download]");

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.setAttribute("data-role", "export-link");
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  function fileName(format, blob) {
    var option = select.options[select.selectedIndex];
    var extension = blob.type === "application/zip" ? "zip" : option.getAttribute("data-extension");
    return form.getAttribute("data-dataset") + "-" + format + "." + extension;
  }

  function built(exported, format) {
    // 202: an export.build job writes the file; follow it, then fetch the file.
    return LL.pollJob(exported.job, function () {}).then(function (job) {
      if (job.status !== "succeeded") throw new Error(job.error || "export failed");
      return LL.api(exported.download_url, { as: "blob" });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var format = select.value;
    button.disabled = true;
    state.textContent = "…";
    form.setAttribute("data-state", "working");
    var path = form.getAttribute("data-path");
    var url = path + (path.indexOf("?") < 0 ? "?" : "&") + "format=" + encodeURIComponent(format);
    LL.api(url, { as: "blob" })
      .then(function (blob) {
        if (blob.type.indexOf("application/json") === 0) {
          return blob.text().then(function (text) { return built(JSON.parse(text), format); });
        }
        return blob;
      })
      .then(function (blob) {
        save(blob, fileName(format, blob));
        state.textContent = "";
        form.setAttribute("data-state", "done");
      })
      .catch(function (error) {
        state.textContent = (error && error.message) || String(error);
        form.setAttribute("data-state", "failed");
      })
      .then(function () { button.disabled = false; });
  });
})();
