/* Review: the page image beside the extracted fields; edit, approve, reprocess, next document.
 *
 * Field boxes come in the page's own units (PDF points for text-layer pages, pixels for OCR'd
 * ones). Each box is placed as a percentage of the page's size in those units (see pageSize),
 * so it follows the displayed image at any width.
 */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var id = LL.config.invoice_id;
  var base = "/api/v1/invoices/" + id + "/";
  // The invoice fields in order, with their kind and label: the server's one list
  // (invoices/fields.py), rendered into the page's config.
  var SPECS = {};
  var FIELDS = (LL.config.invoiceFields || []).map(function (spec) { SPECS[spec.name] = spec; return spec.name; });
  function kind(name) { return SPECS[name] ? SPECS[name].kind : "text"; }
  function label(name) { return SPECS[name] ? SPECS[name].label : name; }
  function editable(name) { return Boolean(SPECS[name] && SPECS[name].editable); }
  var FINAL = { approved: true };

  var invoice = null;
  var page = 1;
  var imageUrl = null;
  var imageCache = {};
  var form = LL.role("fields-form");
  var list = LL.role("field-list");
  var image = LL.role("page-image");
  var overlay = LL.role("overlay");
  var saveButton = document.querySelector('[data-action="save"]');
  // Line items: edited in place (line_editor.js), saved as one list with PUT …/lines/.
  var lineEditor = LL.lineEditor(LL.role("lines"), document.querySelector('[data-action="add-line"]'), refreshDirty);

  function text(value) {
    if (value === null || value === undefined) return "";
    // The tax breakdown: one "rate %: net + tax" per rate (shown, not edited here).
    if (Array.isArray(value)) return value.map(function (row) { return row.rate + " %: " + row.net + " + " + row.tax; }).join("; ");
    return String(value);
  }

  function input(name) { return form.elements[name]; }

  var customerSelect = LL.role("customer");
  var customersReady = false;

  function customerId(value) {
    return value && typeof value === "object" ? value.id : value;
  }

  function dirtyFields() {
    var changes = {};
    var chosen = customerSelect.value;
    // Until the options are in, the select's empty value says nothing about the customer.
    if (customersReady && chosen !== text(customerId(invoice.customer))) changes.customer = chosen ? Number(chosen) : null;
    FIELDS.filter(editable).forEach(function (name) {
      var value = input(name).value.trim();
      if (value !== text(invoice[name])) changes[name] = value === "" ? (kind(name) === "amount" || kind(name) === "date" ? null : "") : value;
    });
    return changes;
  }

  function refreshDirty() {
    var dirty = Object.keys(dirtyFields());
    saveButton.disabled = (dirty.length === 0 && !linesDirty()) || Boolean(FINAL[invoice.status]);
    FIELDS.concat(["customer"]).forEach(function (name) {
      input(name).closest(".field").classList.toggle("dirty", dirty.indexOf(name) !== -1);
    });
  }

  // The agent may file an invoice uploaded without a customer under one of theirs.
  function renderCustomer() {
    var current = text(customerId(invoice.customer));
    customerSelect.disabled = Boolean(FINAL[invoice.status]);
    customersReady = false;
    return LL.customerList().then(function (list) {
      customerSelect.replaceChildren(customerSelect.options[0]);
      list.forEach(function (customer) {
        customerSelect.appendChild(el("option", { value: customer.id, text: customer.name }));
      });
      if (current && !list.some(function (c) { return String(c.id) === current; })) {
        customerSelect.appendChild(el("option", { value: current, text: "#" + current }));
      }
      customerSelect.value = current;
      customersReady = true;
      refreshDirty();
    });
  }

  /* ---- header and fields -------------------------------------------------------------- */

  function renderHeader() {
    LL.role("doc-title").textContent = invoice.invoice_number || invoice.original_name || "#" + invoice.id;
    var badge = LL.role("doc-status");
    badge.textContent = LL.t("status." + invoice.status);
    badge.className = "badge status-" + invoice.status;
    var meta = [invoice.original_name];
    if (invoice.customer) meta.push(typeof invoice.customer === "object" ? invoice.customer.name : "#" + invoice.customer);
    if (typeof invoice.confidence === "number") meta.push(LL.t("confidence", { percent: Math.round(invoice.confidence * 100) }));
    if (invoice.engine) meta.push(invoice.engine);
    LL.role("doc-meta").textContent = meta.filter(Boolean).join(" · ");
    var locked = Boolean(FINAL[invoice.status]);
    document.querySelector('[data-action="approve"]').disabled = locked;
    document.querySelector('[data-action="reprocess"]').disabled = locked;
    renderDuplicateNotice();
  }

  // The same invoice by business key as a stored one, uploaded as another file.
  function renderDuplicateNotice() {
    var notice = LL.role("duplicate-notice");
    notice.replaceChildren();
    notice.hidden = !invoice.duplicate_of;
    if (!invoice.duplicate_of) return;
    notice.appendChild(document.createTextNode(LL.t("duplicate_notice", { id: invoice.duplicate_of }) + " "));
    notice.appendChild(el("a", { href: "/workbench/invoices/" + invoice.duplicate_of + "/", text: LL.t("duplicate_open") }));
  }

  function source(name) {
    var sources = invoice.field_sources || {};
    return sources[name] || null;
  }

  function fieldRow(name) {
    var confidence = (invoice.field_confidence || {})[name];
    var hasValue = text(invoice[name]) !== "";
    var low = hasValue && typeof confidence === "number" && confidence < LL.config.lowConfidence;
    var missing = !hasValue;
    var chip = typeof confidence === "number" && hasValue
      ? el("span", { class: "chip" + (low ? " low" : ""), title: LL.t("confidence", { percent: Math.round(confidence * 100) }), text: Math.round(confidence * 100) + "%" })
      : el("span", { class: "chip empty", text: "–" });
    var field = el("div", { class: "field" + (low ? " low" : "") + (missing ? " missing" : ""), "data-field": name }, [
      el("label", { for: "field-" + name, text: label(name) }),
      el("input", {
        id: "field-" + name, name: name, value: text(invoice[name]),
        type: kind(name) === "date" ? "date" : "text",
        inputmode: kind(name) === "amount" ? "decimal" : null,
        maxlength: kind(name) === "currency" ? 3 : null,
        "aria-describedby": "hint-" + name,
        readonly: FINAL[invoice.status] || !editable(name) ? true : null,
      }),
      chip,
      el("span", { class: "hint", id: "hint-" + name, text: low ? LL.t("low_confidence") : "" }),
    ]);
    return field;
  }

  function renderFields() {
    list.replaceChildren();
    FIELDS.forEach(function (name) { list.appendChild(fieldRow(name)); });
    refreshDirty();
  }

  function renderChecks() {
    var checks = (invoice.checks || []).filter(function (check) { return check && check.name; });
    LL.role("checks-box").hidden = checks.length === 0;
    var box = LL.role("checks");
    box.replaceChildren();
    checks.forEach(function (check) {
      var verdict = check.ok === true ? "ok" : check.ok === false ? "fail" : "unknown";
      var mark = check.ok === true ? LL.t("check_ok") : check.ok === false ? LL.t("check_failed") : "?";
      var detail = [check.field ? label(check.field) : "", check.reason || check.message].filter(Boolean).join(": ");
      var title = LL.t("checks." + check.name);
      if (title === "checks." + check.name) title = check.name.replace(/_/g, " "); // a check added since
      box.appendChild(el("li", { class: "check " + verdict, "data-check": check.name }, [
        el("span", { class: "verdict", text: mark }), " ", title, detail ? " — " + detail : "",
      ]));
    });
  }

  function renderLines() {
    lineEditor.render(invoice.lines, FINAL[invoice.status]);
  }

  function linesDirty() {
    return Boolean(invoice) && lineEditor.differs(invoice.lines);
  }

  /* ---- page image and boxes ----------------------------------------------------------- */

  function pageCount() { return Math.max(invoice.pages || 0, 1); }

  // The page's size in the units of the box `where` came with: the detail's page_sizes. For an
  // invoice processed before page_sizes existed it follows from how the server renders the PNG
  // (LL.config.pageDpi): image pages at their own size, PDF pages at pageDpi, whose text-layer
  // boxes are in points (1/72 in) and whose OCR'd boxes are pixels of the rasterOcrDpi rendering.
  function pageSize(number, where) {
    var pages = invoice.page_sizes || [];
    var entry = pages.filter(function (p) { return p && p.page === number; })[0];
    if (entry && entry.width && entry.height) return { width: entry.width, height: entry.height };
    var factor = 1;
    if (/pdf/i.test(invoice.mime || "")) {
      var unitsPerInch = where && where.source === "ocr" ? LL.config.rasterOcrDpi : 72;
      factor = unitsPerInch / LL.config.pageDpi;
    }
    return { width: image.naturalWidth * factor, height: image.naturalHeight * factor };
  }

  function drawBoxes() {
    overlay.replaceChildren();
    if (!image.naturalWidth) return;
    FIELDS.forEach(function (name) {
      var where = source(name);
      if (!where || where.page !== page || !where.box || where.box.length !== 4) return;
      var box = where.box;
      var size = pageSize(page, where);
      var mark = el("button", {
        type: "button", class: "box", "data-box": name, title: label(name),
        onclick: function () { input(name).focus(); },
      });
      // Through CSSOM, not a style attribute: the page's CSP (style-src 'self') refuses those.
      mark.style.left = (100 * box[0] / size.width) + "%";
      mark.style.top = (100 * box[1] / size.height) + "%";
      mark.style.width = (100 * (box[2] - box[0]) / size.width) + "%";
      mark.style.height = (100 * (box[3] - box[1]) / size.height) + "%";
      if (input(name).closest(".field").classList.contains("low")) mark.classList.add("low");
      overlay.appendChild(mark);
    });
    highlight(document.activeElement && document.activeElement.name);
  }

  function highlight(name) {
    overlay.querySelectorAll(".box").forEach(function (mark) {
      mark.classList.toggle("active", mark.getAttribute("data-box") === name);
    });
    list.querySelectorAll(".field").forEach(function (row) {
      row.classList.toggle("active", row.getAttribute("data-field") === name);
    });
    var where = name && source(name);
    var hint = name && document.getElementById("hint-" + name);
    if (hint && !hint.textContent && where && !where.box) hint.textContent = LL.t("not_found_on_page");
    if (where && where.box && where.page && where.page !== page) showPage(where.page);
  }

  function showPage(number) {
    page = Math.min(Math.max(number, 1), pageCount());
    LL.role("page-label").textContent = LL.t("page_of", { page: page, pages: pageCount() });
    var empty = LL.role("page-empty");
    var loaded = imageCache[page] || LL.api(base + "pages/" + page + ".png", { as: "blob" }).then(URL.createObjectURL);
    imageCache[page] = loaded;
    return loaded.then(function (url) {
      imageUrl = url;
      empty.hidden = true;
      return new Promise(function (resolve) {
        image.onload = function () { drawBoxes(); resolve(); };
        image.onerror = function () { resolve(); };
        image.src = imageUrl;
      });
    }, function (error) {
      delete imageCache[page];
      image.removeAttribute("src");
      overlay.replaceChildren();
      empty.textContent = error.status === 404 || error.status === 409 ? LL.t("no_page_image") : error.message;
      empty.hidden = false;
    });
  }

  /* ---- actions ------------------------------------------------------------------------ */

  function showFieldErrors(error) {
    var fields = (error.details && error.details.fields) || {};
    var names = Object.keys(fields);
    names.forEach(function (name) {
      var hint = document.getElementById("hint-" + name);
      if (hint) { hint.textContent = [].concat(fields[name]).join(" "); hint.classList.add("error"); }
    });
    if (names.length && input(names[0])) input(names[0]).focus();
  }

  // keepLines: the fields were saved but the line edits are still to be sent; leave them be.
  function load(data, keepLines) {
    invoice = data;
    renderHeader();
    renderFields();
    renderCustomer();
    renderChecks();
    if (!keepLines) renderLines();
    LL.role("original-link").onclick = openOriginal;
  }

  function save() {
    var changes = dirtyFields();
    var lines = linesDirty() ? lineEditor.lines() : null;
    if (!Object.keys(changes).length && lines === null) return Promise.resolve(invoice);
    saveButton.disabled = true;
    LL.flash(LL.t("saving"));
    var focused = document.activeElement && document.activeElement.name;
    var lineProblem = null;
    var fieldsSaved = Object.keys(changes).length
      ? LL.api(base, { method: "PATCH", body: changes }).then(function (data) { load(data, lines !== null); return data; })
      : Promise.resolve(invoice);
    return fieldsSaved.then(function (data) {
      if (lines === null) return data;
      return LL.api(base + "lines/", { method: "PUT", body: { lines: lines } }).then(function (saved) {
        load(saved);
        return saved;
      }, function (error) {
        lineProblem = lineEditor.showErrors(error);
        throw error;
      });
    }).then(function (data) {
      drawBoxes();
      if (focused && input(focused)) input(focused).focus();
      LL.flash(LL.t("saved"), "success");
      return data;
    }, function (error) {
      refreshDirty();
      showFieldErrors(error);
      LL.flash(lineProblem || LL.t("save_failed", { message: error.message }), "error");
      throw error;
    });
  }

  function approve() {
    if (FINAL[invoice.status]) return;
    save().then(function () {
      return LL.api(base + "approve/", { method: "POST" });
    }).then(function (data) {
      load(data && data.id ? data : Object.assign(invoice, { status: "approved" }));
      drawBoxes();
      LL.flash(LL.t("approved"), "success");
    }, function (error) {
      if (error && error.message && !(error.details && error.details.fields)) LL.flash(LL.t("approve_failed", { message: error.message }), "error");
    });
  }

  function reprocess() {
    LL.api(base + "reprocess/", { method: "POST" }).then(function (data) {
      var job = data.job || data;
      var jobId = typeof job === "object" ? job.id : data.job_id;
      LL.flash(LL.t("reprocess_started"));
      return LL.pollJob(jobId, function (update) { LL.flash(LL.t("job_status." + update.status)); });
    }).then(function (job) {
      LL.flash(LL.t("reprocess_done", { status: LL.t("job_status." + job.status) }), job.status === "failed" ? "error" : "success");
      imageCache = {};
      return LL.api(base).then(function (data) { load(data); return showPage(page); });
    }).catch(function (error) { LL.flash(LL.t("request_failed", { message: error.message }), "error"); });
  }

  function nextDocument() {
    var go = function () {
      var queue = "/api/v1/invoices/?ordering=created_at&page_size=200&status=";
      return Promise.all([LL.api(queue + "needs_review"), LL.api(queue + "unrecognized")]).then(function (bodies) {
        var items = LL.results(bodies[0]).concat(LL.results(bodies[1]));
        items.sort(function (a, b) { return Date.parse(a.created_at) - Date.parse(b.created_at); });
        var ids = items.map(function (item) { return item.id; });
        var at = ids.indexOf(id);
        var next = at === -1 ? ids[0] : ids[at + 1] !== undefined ? ids[at + 1] : ids.filter(function (x) { return x !== id; })[0];
        if (next === undefined) return LL.flash(LL.t("no_more_documents"));
        location.assign("/workbench/invoices/" + next + "/");
      });
    };
    if (Object.keys(dirtyFields()).length && !confirm(LL.t("unsaved_changes"))) return;
    go().catch(function (error) { LL.flash(LL.t("request_failed", { message: error.message }), "error"); });
  }

  function openOriginal(event) {
    event.preventDefault();
    // The file needs the bearer token, so it is fetched and opened as a local blob.
    var opened = window.open("", "_blank");
    LL.api(base + "file/", { as: "blob" }).then(function (blob) {
      if (opened) opened.location = URL.createObjectURL(blob);
    }, function (error) {
      if (opened) opened.close();
      LL.flash(LL.t("request_failed", { message: error.message }), "error");
    });
  }

  /* ---- keyboard ----------------------------------------------------------------------- */

  function moveFocus(step) {
    var inputs = FIELDS.map(input);
    var at = inputs.indexOf(document.activeElement);
    var next = inputs[(at + step + inputs.length) % inputs.length];
    next.focus();
    if (next.select) next.select();
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && key === "Enter") { event.preventDefault(); approve(); return; }
    if ((event.ctrlKey || event.metaKey) && (key === "s" || key === "S")) { event.preventDefault(); save().catch(function () {}); return; }
    if (event.altKey && (key === "n" || key === "N" || event.code === "KeyN")) { event.preventDefault(); nextDocument(); return; }
    if (key === "Enter" && event.target.form === form) { event.preventDefault(); moveFocus(event.shiftKey ? -1 : 1); }
  });

  form.addEventListener("input", refreshDirty);
  form.addEventListener("focusin", function (event) { highlight(event.target.name); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  saveButton.addEventListener("click", function () { save().catch(function () {}); });
  document.querySelector('[data-action="approve"]').addEventListener("click", approve);
  document.querySelector('[data-action="reprocess"]').addEventListener("click", reprocess);
  document.querySelector('[data-action="next"]').addEventListener("click", nextDocument);
  document.querySelector('[data-action="prev-page"]').addEventListener("click", function () { showPage(page - 1); });
  document.querySelector('[data-action="next-page"]').addEventListener("click", function () { showPage(page + 1); });
  window.addEventListener("beforeunload", function (event) {
    if (invoice && (Object.keys(dirtyFields()).length || linesDirty())) { event.preventDefault(); event.returnValue = ""; }
  });

  LL.api(base).then(function (data) {
    load(data);
    var first = FIELDS.map(source).filter(function (s) { return s && s.page; })[0];
    return showPage(first ? first.page : 1);
  }).then(function () {
    var firstLow = list.querySelector(".field.low input") || list.querySelector(".field.missing input");
    (firstLow || input(FIELDS[0])).focus();
    LL.ready("review");
  }, function (error) {
    LL.role("doc-meta").textContent = LL.t("request_failed", { message: error.message });
    LL.flash(LL.t("request_failed", { message: error.message }), "error");
    LL.ready("review");
  });
})();
