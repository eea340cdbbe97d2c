/* Dashboard: invoice counts by status, the billing summary, and charges and payments by month.
 *
 * The API has no per-month series: the chart sums the year's transactions here when they fit
 * in one page, and otherwise asks the summary for each of the last twelve calendar months.
 */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var MONTHS = 12;
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

  function monthRange(offset) {
    var now = new Date();
    var start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - offset, 1));
    var end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0));
    var iso = function (d) { return d.toISOString().slice(0, 10); };
    return { label: iso(start).slice(0, 7), from: iso(start), to: iso(end) };
  }

  // Exact sums in cents: amounts arrive as decimal strings ("120.50").
  function cents(value) {
    var match = String(value).match(/^(-?)(\d+)(?:\.(\d{1,2}))?$/);
    if (!match) return Math.round(Number(value) * 100);
    var whole = Number(match[2]) * 100 + Number(((match[3] || "") + "00").slice(0, 2));
    return match[1] ? -whole : whole;
  }

  // One request when the year's transactions fit in one page (summed here, by month); else
  // one summary per month, whose cost does not grow with the number of transactions.
  function monthly() {
    var months = [];
    for (var offset = MONTHS - 1; offset >= 0; offset--) months.push(monthRange(offset));
    var period = "date_from=" + months[0].from + "&date_to=" + months[MONTHS - 1].to;
    return LL.api("/api/v1/transactions/?page_size=200&" + period).then(function (body) {
      if (Array.isArray(body) || !body.next) return fromRows(months, LL.results(body));
      return perMonth(months);
    });
  }

  function fromRows(months, rows) {
    var byMonth = {};
    months.forEach(function (month) { byMonth[month.label] = { label: month.label, charges: 0, payments: 0 }; });
    rows.forEach(function (row) {
      var month = byMonth[String(row.transaction_date).slice(0, 7)];
      if (!month) return;
      if (row.direction === "credit") month.payments += cents(row.amount);
      else month.charges += cents(row.amount);
    });
    return months.map(function (month) {
      var sums = byMonth[month.label];
      return { label: month.label, charges: sums.charges / 100, payments: sums.payments / 100 };
    });
  }

  function perMonth(months) {
    return Promise.all(months.map(function (month) {
      return LL.api("/api/v1/dashboard/summary/?date_from=" + month.from + "&date_to=" + month.to).then(function (summary) {
        return { label: month.label, charges: Number(summary.total_charges || 0), payments: Number(summary.total_payments || 0) };
      });
    }));
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
        tip.textContent = month.label + " · " + LL.t(spec[0]) + ": " + LL.money(value);
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

  var figures = LL.role("figures");
  var series = monthly(); // asked at once, beside the figures, not after them
  series.catch(function () {}); // its failure is shown with the chart below
  Promise.all([invoiceCounts(), LL.api("/api/v1/dashboard/summary/")]).then(function (answers) {
    figures.replaceChildren();
    INVOICE_STATUSES.forEach(function (status, index) {
      figures.appendChild(figure("invoices_" + status, LL.t("invoice_figures." + status), answers[0][index]));
    });
    var summary = answers[1] || {};
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
