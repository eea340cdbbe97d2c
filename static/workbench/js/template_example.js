/* Make a bank template from a statement: the sample's pages with the marked value columns,
   the marks (bank, kind, date order, labels, columns, detection markers), the dry run, the
   draft and, for administrators, publishing it. Everything goes through the REST API:
   GET /api/v1/statements/{id}/template-example/, POST /api/v1/bank-templates/from-example/
   (preview/), POST /api/v1/bank-templates/{id}/publish/. */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var SVG = "http://www.w3.org/2000/svg";
  var id = LL.config.statement_id;
  var form = LL.role("example-form");
  var columnRows = LL.role("columns");
  var ROLES = ["debit", "credit", "amount", "balance"];
  var LABELS = ["statement_date", "due_date", "previous_balance", "new_balance", "minimum_payment"];
  var user = LL.session.user() || {};
  var isAdmin = user.role === "admin";
  var pages = [];
  var draft = null;

  var texts = {};
  document.querySelectorAll("[data-message]").forEach(function (node) {
    texts[node.getAttribute("data-message")] = node.textContent.trim();
  });
  function msg(key, values) {
    return (texts[key] || key).replace(/%\((\w+)\)s/g, function (match, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : "–";
    });
  }

  var back = new URLSearchParams(location.search).get("bill");
  if (back && /^\d+$/.test(back)) LL.role("back").setAttribute("href", "/workbench/bills/" + back + "/");

  /* ---- columns: the table is the truth, the boxes follow it ---------------------------- */

  function addColumn(column) {
    column = column || {};
    var select = el("select", { name: "role", "aria-label": "role" }, ROLES.map(function (role) {
      return el("option", { value: role, text: msg("role_" + role), selected: role === column.role });
    }));
    var x0 = el("input", { name: "x0", type: "number", min: "0", max: "1", step: "0.0001", value: column.x0 === undefined ? "" : column.x0, "aria-label": "x0" });
    var x1 = el("input", { name: "x1", type: "number", min: "0", max: "1", step: "0.0001", value: column.x1 === undefined ? "" : column.x1, "aria-label": "x1" });
    var row = el("tr", {}, [
      el("td", {}, [select]), el("td", {}, [x0]), el("td", {}, [x1]),
      el("td", {}, [el("button", { type: "button", class: "button small ghost", text: msg("remove"), onclick: function () { row.remove(); drawColumns(); } })]),
    ]);
    columnRows.appendChild(row);
    return row;
  }

  function markedColumns() {
    return Array.prototype.map.call(columnRows.querySelectorAll("tr"), function (row) {
      return {
        role: row.querySelector('[name="role"]').value,
        x0: parseFloat(row.querySelector('[name="x0"]').value),
        x1: parseFloat(row.querySelector('[name="x1"]').value),
      };
    });
  }

  function drawColumns() {
    pages.forEach(function (page) {
      page.svg.querySelectorAll(".example-column").forEach(function (node) { node.remove(); });
      markedColumns().forEach(function (column) {
        if (!(column.x0 >= 0 && column.x1 <= 1 && column.x0 < column.x1)) return;
        var rect = document.createElementNS(SVG, "rect");
        rect.setAttribute("class", "example-column role-" + column.role);
        rect.setAttribute("x", String(column.x0 * page.width));
        rect.setAttribute("y", "0");
        rect.setAttribute("width", String((column.x1 - column.x0) * page.width));
        rect.setAttribute("height", String(page.height));
        var title = document.createElementNS(SVG, "title");
        title.textContent = msg("role_" + column.role) + " " + column.x0 + "–" + column.x1;
        rect.appendChild(title);
        page.svg.appendChild(rect);
      });
    });
  }

  function fraction(svg, event) {
    var box = svg.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  }

  // Dragging across a page adds a column over that x-range (its role is then chosen).
  function allowDragging(page) {
    var start = null;
    var band = null;
    page.svg.addEventListener("pointerdown", function (event) {
      start = fraction(page.svg, event);
      band = document.createElementNS(SVG, "rect");
      band.setAttribute("class", "example-drag");
      band.setAttribute("y", "0");
      band.setAttribute("height", String(page.height));
      page.svg.appendChild(band);
      page.svg.setPointerCapture(event.pointerId);
    });
    page.svg.addEventListener("pointermove", function (event) {
      if (start === null) return;
      var here = fraction(page.svg, event);
      band.setAttribute("x", String(Math.min(start, here) * page.width));
      band.setAttribute("width", String(Math.abs(here - start) * page.width));
    });
    page.svg.addEventListener("pointerup", function (event) {
      if (start === null) return;
      var end = fraction(page.svg, event);
      var x0 = Math.min(start, end);
      var x1 = Math.max(start, end);
      start = null;
      band.remove();
      if (x1 - x0 < 0.005) return;
      var row = addColumn({ role: "amount", x0: x0.toFixed(4), x1: x1.toFixed(4) });
      row.querySelector('[name="role"]').focus();
      drawColumns();
    });
  }

  function showPage(page, total) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + page.width + " " + page.height);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", msg("page", { page: page.number, pages: total }));
    var image = document.createElementNS(SVG, "image");
    ["x", "y"].forEach(function (name) { image.setAttribute(name, "0"); });
    image.setAttribute("width", String(page.width));
    image.setAttribute("height", String(page.height));
    svg.appendChild(image);
    var figure = el("figure", { class: "example-page" }, [el("figcaption", { text: msg("page", { page: page.number, pages: total }) })]);
    figure.insertBefore(svg, figure.firstChild);
    LL.role("pages").appendChild(figure);
    var shown = { width: page.width, height: page.height, svg: svg };
    pages.push(shown);
    allowDragging(shown);
    // The page image needs the token: fetched as a blob and shown from a local URL.
    LL.api(page.image_url, { as: "blob" }).then(function (blob) {
      image.setAttribute("href", URL.createObjectURL(blob));
    }).catch(function (error) { LL.flash(LL.t("request_failed", { message: error.message }), "error"); });
  }

  /* ---- the marks, the dry run, the draft ------------------------------------------------ */

  function fill(example) {
    LL.role("example-meta").textContent = msg("template_from", { name: example.original_name, status: LL.t("status." + example.status) });
    var layout = example.layout || {};
    if (layout.kind) form.kind.value = layout.kind;
    if (layout.date_order) form.date_order.value = layout.date_order;
    LABELS.forEach(function (name) { form["label_" + name].value = (layout.labels || {})[name] || ""; });
    (layout.columns || []).forEach(addColumn);
    form.markers.value = (example.markers || []).join("\n");
    example.pages.forEach(function (page) { showPage(page, example.page_count); });
    drawColumns();
  }

  function marks() {
    var labels = {};
    LABELS.forEach(function (name) {
      var text = form["label_" + name].value.trim();
      if (text) labels[name] = text;
    });
    var bank = form.bank.value;
    return {
      statement: id,
      bank: bank || form.new_bank_code.value.trim(),
      bank_name: bank ? "" : form.new_bank_name.value.trim(),
      layout: {
        kind: form.kind.value,
        date_order: form.date_order.value,
        columns: markedColumns().filter(function (c) { return !isNaN(c.x0) && !isNaN(c.x1); }),
        labels: labels,
      },
      markers: form.markers.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean),
    };
  }

  function problemItem(problem, kind) {
    return el("li", { class: "check " + kind, "data-code": problem.code }, [
      el("span", { class: "verdict", text: kind === "warning" ? LL.t("check_warning") : LL.t("check_failed") }), " ",
      problem.message || problem.code,
    ]);
  }

  function showResult(result) {
    var badge = LL.role("result-status");
    badge.textContent = LL.t("status." + result.status);
    badge.className = "badge status-" + result.status;
    LL.role("result-note").textContent = result.template_matched ? "" : msg("not_matched");
    var list = LL.role("result-problems");
    list.replaceChildren();
    (result.problems || []).forEach(function (problem) {
      list.appendChild(problemItem(problem, problem.severity === "warning" ? "warning" : "fail"));
    });
    if (!(result.problems || []).length) list.appendChild(el("li", { class: "check ok", text: LL.t("no_problems") }));
    var bills = LL.role("result-bills");
    bills.replaceChildren();
    (result.bills || []).forEach(function (bill) {
      bills.appendChild(el("p", { text: msg("bill", {
        kind: bill.account_kind, last4: bill.card_last4, date: bill.statement_date,
        previous: bill.previous_balance, debits: bill.total_debits, credits: bill.total_credits,
        new: bill.new_balance, expected: bill.expected_new_balance,
      }) }));
      bills.appendChild(el("table", { class: "table compact" }, [el("tbody", {}, bill.transactions.map(function (tx) {
        return el("tr", {}, [
          el("td", { text: tx.transaction_date || "" }), el("td", { text: tx.description }),
          el("td", { class: "num", text: tx.type === "debit" ? LL.money(tx.amount) : "" }),
          el("td", { class: "num credit", text: tx.type === "credit" ? LL.money(tx.amount) : "" }),
        ]);
      }))]));
    });
  }

  function showError(error) {
    var list = LL.role("result-problems");
    list.replaceChildren();
    list.appendChild(problemItem({ code: error.code, message: error.message }, "fail"));
    ((error.details && error.details.errors) || []).forEach(function (text) {
      list.appendChild(problemItem({ code: error.code, message: text }, "fail"));
    });
    ((error.details && error.details.problems) || []).forEach(function (problem) {
      list.appendChild(problemItem(problem, "fail"));
    });
    LL.flash(LL.t("request_failed", { message: error.message }), "error");
  }

  function busy(on) {
    form.querySelectorAll("button").forEach(function (button) { button.disabled = on; });
  }

  function post(path, body) {
    busy(true);
    return LL.api(path, { method: "POST", body: body }).finally(function () { busy(false); });
  }

  form.addEventListener("input", function () { draft = null; form.querySelector('[data-action="publish"]').hidden = true; drawColumns(); });
  form.addEventListener("change", drawColumns);
  form.querySelector('[data-action="add-column"]').addEventListener("click", function () { addColumn(); });
  form.querySelector('[data-action="preview"]').addEventListener("click", function () {
    post("/api/v1/bank-templates/from-example/preview/", marks()).then(showResult, showError);
  });
  form.querySelector('[data-action="save"]').addEventListener("click", function () {
    post("/api/v1/bank-templates/from-example/", marks()).then(function (body) {
      draft = body.template;
      showResult(body.preview);
      var values = { bank: draft.bank, version: draft.version };
      LL.flash(msg(isAdmin ? "saved" : "saved_supervisor", values), "success");
      form.querySelector('[data-action="publish"]').hidden = !isAdmin;
    }, showError);
  });
  form.querySelector('[data-action="publish"]').addEventListener("click", function () {
    if (!draft) return;
    post("/api/v1/bank-templates/" + draft.id + "/publish/").then(function (template) {
      LL.flash(msg("published", { bank: template.bank, version: template.version }), "success");
    }, function (error) {
      showError(error);
      LL.flash(msg("not_published", { message: error.message }), "error");
    });
  });

  Promise.all([
    LL.api("/api/v1/statements/" + id + "/template-example/"),
    LL.api("/api/v1/banks/?page_size=200&is_active=true").catch(function () { return []; }),
  ]).then(function (answers) {
    LL.results(answers[1]).forEach(function (bank) {
      if (bank.code === "generic") return;
      form.bank.appendChild(el("option", { value: bank.code, text: bank.name + " (" + bank.code + ")" }));
    });
    if (answers[0].bank && answers[0].bank !== "generic") form.bank.value = answers[0].bank;
    fill(answers[0]);
  }).catch(function (error) {
    LL.role("example-meta").textContent = LL.t("request_failed", { message: error.message });
    showError(error);
  }).finally(function () { LL.ready("template_example"); });
})();
