/* Upload: drop invoices and statements; each file is sent on its own and its job is followed
 * (GET /api/v1/jobs/{id}/) until it is final, so one refused file never hides the others. */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var rows = LL.role("uploads");
  var customerSelect = LL.role("customer");
  var bankSelect = LL.role("bank");
  var last4Input = LL.role("card-last4");
  var TARGETS = {
    invoice: { path: "/api/v1/invoices/", extensions: /\.(pdf|png|jpe?g|tiff?|webp|bmp)$/i },
    statement: { path: "/api/v1/statements/", extensions: /\.(pdf|csv|xlsx|ofx|qfx)$/i },
  };

  function cell(row, name) { return row.querySelector('[data-cell="' + name + '"]'); }

  function setStatus(row, status, text, kind) {
    row.setAttribute("data-status", status);
    var badge = cell(row, "status").firstChild;
    badge.textContent = text;
    badge.className = "badge " + (kind || "status-" + status);
  }

  function addRow(file, kind) {
    var empty = rows.querySelector("tr.empty");
    if (empty) empty.remove();
    var row = el("tr", { "data-kind": kind, "data-name": file.name }, [
      el("td", { text: file.name }),
      el("td", { text: LL.t("kinds." + kind) }),
      el("td", { "data-cell": "job", text: "–" }),
      el("td", { "data-cell": "status" }, [el("span", { class: "badge", text: LL.t("upload_queued") })]),
      el("td", { "data-cell": "result" }),
    ]);
    rows.appendChild(row);
    return row;
  }

  // The invoice API answers {results: [{invoice_id, job_id, ...}]}; the statement API answers
  // the import itself ({id, job, status, bills}). Both are read here.
  function accepted(body, kind) {
    var entry = body && body.results ? body.results[0] : body;
    if (entry && entry.accepted === false && entry.error) throw new LL.ApiError(400, entry.error.code, entry.error.message, entry.error.details);
    var job = entry.job && typeof entry.job === "object" ? entry.job.id : entry.job;
    return {
      jobId: entry.job_id || job || null,
      targetId: kind === "invoice" ? entry.invoice_id || entry.id : entry.id,
      status: entry.status,
      bills: entry.bills || [],
    };
  }

  function resultLink(row, kind, job, outcome) {
    var target = cell(row, "result");
    target.replaceChildren();
    if (job.status === "failed") {
      target.appendChild(el("span", { class: "error-text", text: job.error || job.error_code || LL.t("job_status.failed") }));
      return;
    }
    if (kind === "invoice") {
      var invoiceId = (job.target && job.target.id) || outcome.targetId;
      return LL.api("/api/v1/invoices/" + invoiceId + "/").then(function (invoice) {
        target.appendChild(el("a", { href: "/workbench/invoices/" + invoiceId + "/", "data-invoice-status": invoice.status, text: LL.t("status." + invoice.status) }));
      });
    }
    // A statement's bills exist once its job is done: read them from the import.
    return LL.api("/api/v1/statements/" + outcome.targetId + "/").then(function (statement) {
      showStatement(target, statement);
    });
  }

  function showStatement(target, statement) {
    target.replaceChildren(el("span", { class: "badge status-" + statement.status, "data-statement-status": statement.status, text: LL.t("status." + statement.status) }));
    (statement.bills || []).forEach(function (billId) {
      target.appendChild(document.createTextNode(" "));
      target.appendChild(el("a", { href: "/workbench/bills/" + billId + "/", text: LL.t("kinds.bill") + " #" + billId }));
    });
    if (statement.error) target.appendChild(el("span", { class: "error-text", text: " " + statement.error }));
  }

  function send(file, kind) {
    var row = addRow(file, kind);
    if (!TARGETS[kind].extensions.test(file.name)) {
      setStatus(row, "rejected", LL.t("upload_unsupported", { name: file.name }), "status-failed");
      return Promise.resolve();
    }
    if (file.size > LL.config.uploadMaxBytes) {
      setStatus(row, "rejected", LL.t("upload_too_large", { size: (file.size / 1048576).toFixed(1), limit: (LL.config.uploadMaxBytes / 1048576).toFixed(0) }), "status-failed");
      return Promise.resolve();
    }
    var data = new FormData();
    data.append("file", file, file.name);
    if (customerSelect && customerSelect.value) data.append("customer", customerSelect.value);
    if (kind === "statement") {
      if (bankSelect.value) data.append("bank", bankSelect.value);
      if (last4Input.value.trim()) data.append("card_last4", last4Input.value.trim());
    }
    setStatus(row, "sending", LL.t("upload_sending"));
    return LL.api(TARGETS[kind].path, { method: "POST", body: data })
      .then(function (body) {
        var outcome = accepted(body, kind);
        cell(row, "job").textContent = outcome.jobId ? "#" + outcome.jobId : "–";
        if (!outcome.jobId) {
          // Answered at once (a statement already imported): no job to follow.
          setStatus(row, "succeeded", LL.t("job_status.succeeded"));
          if (kind === "statement") showStatement(cell(row, "result"), body);
          return null;
        }
        return LL.pollJob(outcome.jobId, function (job) {
          setStatus(row, job.status, LL.t("job_status." + job.status));
        }).then(function (job) { return resultLink(row, kind, job, outcome); });
      })
      .catch(function (error) {
        setStatus(row, "rejected", LL.t("upload_rejected", { message: error.message }), "status-failed");
      });
  }

  function sendAll(files, kind) {
    // One after another: the server runs OCR per file, and parallel uploads would only queue.
    return Array.prototype.reduce.call(files, function (chain, file) {
      return chain.then(function () { return send(file, kind); });
    }, Promise.resolve());
  }

  document.querySelectorAll(".dropzone").forEach(function (zone) {
    var kind = zone.getAttribute("data-kind");
    var picker = zone.querySelector('input[type="file"]');
    picker.addEventListener("change", function () {
      sendAll(Array.prototype.slice.call(picker.files), kind).then(function () { picker.value = ""; });
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      sendAll(Array.prototype.slice.call(event.dataTransfer.files), kind);
    });
    zone.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); picker.click(); }
    });
  });

  // A file dropped outside the zones would make the browser navigate away to show it.
  ["dragover", "drop"].forEach(function (name) {
    window.addEventListener(name, function (event) { event.preventDefault(); });
  });

  function loadCustomers() {
    if (!customerSelect) return Promise.resolve();
    return LL.customerList().then(function (list) {
      list.forEach(function (customer) {
        customerSelect.appendChild(el("option", { value: customer.id, text: customer.name }));
      });
    });
  }

  function loadBanks() {
    return LL.api("/api/v1/banks/?page_size=200").then(function (body) {
      LL.results(body).filter(function (bank) { return bank.is_active !== false; }).forEach(function (bank) {
        bankSelect.appendChild(el("option", { value: bank.code, text: bank.name }));
      });
    }, function () { bankSelect.closest("label").hidden = true; });
  }

  Promise.all([loadCustomers(), loadBanks()]).finally(function () { LL.ready("upload"); });
})();
