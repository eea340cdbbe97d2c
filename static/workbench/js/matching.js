/* Matching: proposed receipt ↔ charge matches, best first (GET /api/v1/matches/?status=proposed).
 * One key decides the selected match: y confirms, n rejects (POST .../confirm/, .../reject/);
 * j / k or the arrow keys move the selection. A decided row leaves the list.
 */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var rows = LL.role("match-rows");
  var matches = [];
  var selected = 0;
  var busy = false;

  function setCount(name, value) {
    var node = document.querySelector('[data-count="' + name + '"]');
    if (node) node.textContent = String(value);
  }

  function counts() {
    return Promise.all([
      LL.api("/api/v1/matches/unmatched-charges/?page_size=1").then(LL.count, function () { return "–"; }),
      LL.api("/api/v1/matches/unmatched-receipts/?page_size=1").then(LL.count, function () { return "–"; }),
    ]).then(function (answers) {
      setCount("unmatched_charges", answers[0]);
      setCount("unmatched_receipts", answers[1]);
    });
  }

  function invoiceCell(invoice) {
    return el("td", {}, [
      el("div", { class: "strong", text: invoice.seller || "–" }),
      el("div", { class: "muted", text: [invoice.invoice_number, invoice.date, invoice.customer_name].filter(Boolean).join(" · ") }),
      el("div", { "data-value": "invoice-total", text: LL.money(invoice.total_amount, invoice.currency || null) }),
    ]);
  }

  function chargeCell(row) {
    var amount = LL.money(row.amount, row.currency);
    if (row.fx_amount) amount += " (" + LL.money(row.fx_amount, row.fx_currency) + ")";
    return el("td", {}, [
      el("div", { class: "strong", text: row.merchant || row.description }),
      el("div", { class: "muted", text: [row.transaction_date, "••••" + row.card_last4].join(" · ") }),
      el("div", { "data-value": "charge-amount", text: amount }),
    ]);
  }

  function whyCell(reasons) {
    var kind = reasons.amount === "fx" ? LL.t("matching.amount_fx") : LL.t("matching.amount_exact");
    return el("td", { class: "muted" }, [
      el("div", { text: kind }),
      el("div", { text: LL.t("matching.days_apart", { n: reasons.days_apart }) }),
      el("div", { text: LL.t("matching.name_score", { percent: Math.round((reasons.name_score || 0) * 100) }) }),
    ]);
  }

  function button(action, label, match) {
    var node = el("button", { type: "button", class: "button small" + (action === "confirm" ? " primary" : ""), "data-action": action, text: label });
    node.addEventListener("click", function () { select(matches.indexOf(match)); decide(action); });
    return node;
  }

  function render() {
    rows.replaceChildren();
    setCount("proposed", matches.length);
    if (!matches.length) {
      rows.appendChild(el("tr", {}, [el("td", { colspan: "5", class: "muted", "data-role": "no-matches", text: LL.t("matching.none") })]));
      return;
    }
    matches.forEach(function (match, index) {
      var tr = el("tr", { "data-match": String(match.id), "aria-selected": index === selected ? "true" : "false" }, [
        el("td", { class: "num", "data-value": "score", text: Number(match.score).toFixed(2) }),
        invoiceCell(match.invoice),
        chargeCell(match.transaction),
        whyCell(match.reasons || {}),
        el("td", { class: "actions" }, [button("confirm", LL.t("matching.confirm"), match), button("reject", LL.t("matching.reject"), match)]),
      ]);
      tr.addEventListener("click", function () { select(index); });
      rows.appendChild(tr);
    });
  }

  function select(index) {
    if (!matches.length) return;
    selected = Math.max(0, Math.min(matches.length - 1, index));
    Array.prototype.forEach.call(rows.querySelectorAll("tr[data-match]"), function (tr, at) {
      tr.setAttribute("aria-selected", at === selected ? "true" : "false");
      if (at === selected && tr.scrollIntoView) tr.scrollIntoView({ block: "nearest" });
    });
  }

  function decide(action) {
    var match = matches[selected];
    if (!match || busy) return;
    busy = true;
    LL.api("/api/v1/matches/" + match.id + "/" + action + "/", { method: "POST" }).then(function () {
      LL.flash(LL.t(action === "confirm" ? "matching.confirmed" : "matching.rejected"));
      // A confirmation withdraws the other proposals of the same invoice and charge.
      matches = matches.filter(function (other) {
        if (other.id === match.id) return false;
        if (action !== "confirm") return true;
        return other.invoice.id !== match.invoice.id && other.transaction.id !== match.transaction.id;
      });
      selected = Math.min(selected, Math.max(0, matches.length - 1));
      render();
      return counts();
    }).catch(function (error) {
      LL.flash(LL.t("request_failed", { message: error.message }), "error");
    }).finally(function () { busy = false; });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    var key = event.key;
    if (key === "y" || key === "Y") { event.preventDefault(); decide("confirm"); }
    else if (key === "n" || key === "N") { event.preventDefault(); decide("reject"); }
    else if (key === "j" || key === "ArrowDown") { event.preventDefault(); select(selected + 1); }
    else if (key === "k" || key === "ArrowUp") { event.preventDefault(); select(selected - 1); }
  });

  Promise.all([LL.api("/api/v1/matches/?status=proposed&page_size=100"), counts()]).then(function (answers) {
    matches = LL.results(answers[0]);
    render();
  }).catch(function (error) {
    rows.replaceChildren(el("tr", {}, [el("td", { colspan: "5", class: "error-text", text: LL.t("request_failed", { message: error.message }) })]));
  }).finally(function () { LL.ready("matching"); });
})();
