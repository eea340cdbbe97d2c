/* Dashboard: invoice counts by status, the billing summary, and charges and payments by month
 * (the last twelve calendar months, summed by the server: GET /api/v1/dashboard/monthly/).
 */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var INVOICE_STATUSES = ["needs_review", "unrecognized", "recognized", "approved"];
  var MONEY_KEYS = { total_charges: true, total_payments: true, net_balance: true };
  var SVG = "http://www.w3.org/2000/svg";

  function figure(key, label, value, href) {
    var body = [el("span", { class: "figure-value", "data-figure": key, text: String(value) }), el("span", { class: "figure-label", text: label })];
    return el(href ? "a" : "div", { class: "figure card", href: href || null }, body);
  }

  function invoiceCounts() {
    return Promise.all(INVOICE_STATUSES.map(function (status) {
      return LL.api("/api/v1/invoices/?page_size=1&status=" + status).then(LL.count, function () { return "–"; });
    }));
  }

  function monthly() {
    return LL.api("/api/v1/dashboard/monthly/").then(function (body) {
      return body.months.map(function (month) {
        return { label: month.month, charges: Number(month.charges), payments: Number(month.payments), categories: month.categories || [] };
      });
    });
  }

  function node(tag, attrs) {
    var item = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (name) { item.setAttribute(name, attrs[name]); });
    return item;
  }

  // A grouped bar chart in SVG: one pair of bars per month, a light grid, values on hover.
  function drawChart(series) {
    var box = LL.role("chart");
    box.replaceChildren();
    var top = Math.max.apply(null, series.map(function (m) { return Math.max(m.charges, m.payments); }).concat([0]));
    if (top === 0) { box.appendChild(el("p", { class: "muted", text: LL.t("no_monthly_data") })); return; }
    // Drawn at the box's own pixel width, so text keeps its size on a phone and a wide screen.
    var width = Math.max(280, box.clientWidth), height = 260, left = 56, bottom = 28, plot = height - bottom - 10;
    var svg = node("svg", { viewBox: "0 0 " + width + " " + height, class: "bars", preserveAspectRatio: "xMidYMid meet" });
    var step = Math.pow(10, Math.floor(Math.log10(top)));
    var ceiling = Math.ceil(top / step) * step;
    for (var i = 0; i <= 4; i++) {
      var y = 10 + plot - (plot * i) / 4;
      svg.appendChild(node("line", { x1: left, x2: width, y1: y, y2: y, class: "grid" }));
      var label = node("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" });
      label.textContent = LL.money((ceiling * i) / 4).replace(/\.00$/, "");
      svg.appendChild(label);
    }
    var slot = (width - left) / series.length;
    var bar = Math.max(4, slot * 0.34);
    series.forEach(function (month, index) {
      var x = left + index * slot + slot / 2;
      [["charges", -bar, "debit"], ["payments", 0, "credit"]].forEach(function (spec) {
        var value = month[spec[0]];
        var h = (plot * value) / ceiling;
        var rect = node("rect", { x: x + spec[1], y: 10 + plot - h, width: bar, height: Math.max(h, value > 0 ? 1 : 0), class: "bar " + spec[2] });
        var tip = node("title", {});
        tip.textContent = month.label + " · " + LL.t(spec[0]) + ": " + LL.money(value) + byCategory(month, spec[0]);
        rect.appendChild(tip);
        svg.appendChild(rect);
      });
      if (slot < 34 && index % 2 !== series.length % 2) return; // every other label when cramped
      var tick = node("text", { x: x, y: height - 8, class: "axis", "text-anchor": "middle" });
      tick.textContent = month.label.slice(2);
      svg.appendChild(tick);
    });
    box.appendChild(svg);
  }

  // The month's largest categories, for a bar's tooltip: " (Groceries 35.00, Transport 10.00)".
  function byCategory(month, key) {
    if (!month.categories.some(function (c) { return c.category; })) return ""; // none named yet
    var parts = month.categories.filter(function (c) { return Number(c[key]) > 0; }).slice(0, 4).map(function (c) {
      return (c.category || LL.t("uncategorised")) + " " + LL.money(c[key]);
    });
    return parts.length ? " (" + parts.join(", ") + ")" : "";
  }

  function drawCategories(categories) {
    var body = LL.role("categories");
    body.replaceChildren();
    if (!categories.length) { body.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "muted", text: LL.t("no_transactions") })])); return; }
    categories.forEach(function (c) {
      body.appendChild(el("tr", { "data-category": c.category }, [
        el("td", { text: c.category || LL.t("uncategorised") }),
        el("td", { class: "num", text: String(c.transactions) }),
        el("td", { class: "num", text: LL.money(c.charges) }),
        el("td", { class: "num", text: LL.money(c.payments) }),
      ]));
    });
  }

  var figures = LL.role("figures");
  var series = monthly(); // asked at once, beside the figures, not after them
  series.catch(function () {}); // its failure is shown with the chart below
  Promise.all([invoiceCounts(), LL.api("/api/v1/dashboard/summary/")]).then(function (answers) {
    figures.replaceChildren();
    INVOICE_STATUSES.forEach(function (status, index) {
      figures.appendChild(figure("invoices_" + status, LL.t("invoice_figures." + status), answers[0][index]));
    });
    var summary = answers[1] || {};
    drawCategories(summary.categories || []);
    Object.keys(summary).forEach(function (key) {
      var value = summary[key];
      if (value !== null && typeof value === "object") return;
      var label = LL.t("summary." + key);
      if (label === "summary." + key) label = key.replace(/_/g, " "); // a figure added since
      figures.appendChild(figure(key, label, MONEY_KEYS[key] ? LL.money(value) : value));
    });
    return series.then(function (months) {
      drawChart(months);
      var timer = null;
      window.addEventListener("resize", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { drawChart(months); }, 150);
      });
    }, function (error) {
      LL.role("chart").replaceChildren(el("p", { class: "muted", text: LL.t("request_failed", { message: error.message }) }));
    });
  }).catch(function (error) {
    figures.replaceChildren(el("p", { class: "error-text", text: LL.t("request_failed", { message: error.message }) }));
  }).finally(function () { LL.ready("dashboard"); });
})();
