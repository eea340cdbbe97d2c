/* Bill: the reconciliation previous + charges − credits = new, failing checks, transactions. */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var id = LL.config.bill_id;
  var bill = null;
  var filters = LL.role("tx-filters");
  var searchTimer = null;
  var requestNumber = 0;

  // The table's row sums, in cents: binary floating point cannot hold 0.1.
  function cents(value) {
    if (value === null || value === undefined || value === "") return null;
    var match = String(value).trim().match(/^(-?)(\d+)(?:\.(\d{1,2}))?$/);
    if (!match) return Math.round(Number(value) * 100);
    var whole = Number(match[2]) * 100 + Number(((match[3] || "") + "00").slice(0, 2));
    return match[1] ? -whole : whole;
  }

  function setValue(name, value) {
    var node = document.querySelector('[data-value="' + name + '"]');
    if (node) node.textContent = LL.money(value, bill.currency);
  }

  function problemText(problem) {
    if (typeof problem === "string") return problem;
    if (!problem || typeof problem !== "object") return String(problem);
    var parts = [problem.message || problem.code || problem.name || ""];
    if (problem.expected !== undefined || problem.actual !== undefined) {
      parts.push("(" + [problem.expected, problem.actual].map(function (v) { return v === undefined ? "?" : v; }).join(" ≠ ") + ")");
    }
    return parts.join(" ").trim() || JSON.stringify(problem);
  }

  function renderSummary() {
    var card = bill.card && typeof bill.card === "object" ? bill.card : {};
    var bank = (card.bank && (card.bank.name || card.bank)) || bill.bank_name || "";
    var last4 = card.last4 || bill.card_last4 || "";
    LL.role("bill-title").textContent = [bank, last4 ? "•••• " + last4 : ""].join(" ").trim() || "#" + bill.id;
    var badge = LL.role("bill-status");
    badge.textContent = LL.t("status." + bill.status);
    badge.className = "badge status-" + bill.status;
    LL.role("bill-meta").textContent = [bill.statement_date, card.holder || bill.holder, card.customer_name].filter(Boolean).join(" · ");

    // The equation is the server's (billing/reconciliation.py): this page shows its figures
    // and verdict and does no arithmetic of its own.
    var current = bill.account_kind === "current";
    LL.role("op-debits").textContent = current ? "−" : "+";
    LL.role("op-credits").textContent = current ? "+" : "−";
    document.querySelectorAll("[data-kind]").forEach(function (node) {
      node.hidden = node.getAttribute("data-kind") !== (current ? "current" : "card");
    });
    var recon = bill.reconciliation || {};
    var holds = recon.balanced === true;
    // A CSV export prints no balances: there is nothing to reconcile, and nothing is invented.
    var unknown = typeof recon.balanced !== "boolean";
    setValue("previous_balance", recon.previous_balance);
    setValue("total_debits", recon.debits);
    setValue("total_credits", recon.credits);
    setValue("new_balance", recon.printed_new_balance);
    var verdict = LL.role("equation-verdict");
    if (unknown) {
      setValue("computed", null);
      LL.role("equation-sign").textContent = "?";
      LL.role("equation").className = "equation unknown";
      verdict.textContent = LL.t("balance_unknown");
      verdict.className = "verdict";
    } else {
      setValue("computed", recon.expected_new_balance);
      LL.role("equation-sign").textContent = holds ? "=" : "≠";
      LL.role("equation").className = "equation " + (holds ? "ok" : "fail");
      verdict.textContent = holds ? LL.t("check_ok") : LL.t("reconciliation_off", { difference: LL.money(recon.difference, bill.currency) });
      verdict.className = holds ? "verdict ok" : "verdict fail";
    }

    var facts = LL.role("facts");
    facts.replaceChildren();
    [["due_date", bill.due_date], ["minimum_payment", LL.money(bill.minimum_payment, bill.currency)], ["currency", bill.currency]]
      .forEach(function (pair) {
        if (!pair[1] || pair[1] === "–") return;
        facts.appendChild(el("dt", { text: LL.t("bill_facts." + pair[0]) }));
        facts.appendChild(el("dd", { text: pair[1] }));
      });

    var problems = LL.role("problems");
    problems.replaceChildren();
    var list = [].concat(bill.problems || []);
    if (!list.length) problems.appendChild(el("li", { class: "check ok", text: LL.t("no_problems") }));
    list.forEach(function (problem) {
      // Problems carry a severity: "error" blocks verification, "warning" only informs.
      var warning = problem && problem.severity === "warning";
      problems.appendChild(el("li", { class: "check " + (warning ? "warning" : "fail"), "data-code": problem && problem.code }, [
        el("span", { class: "verdict", text: warning ? LL.t("check_warning") : LL.t("check_failed") }), " ", problemText(problem),
      ]));
    });
  }

  function loadTransactions() {
    var params = new URLSearchParams({ bill: id, page_size: 200, ordering: "transaction_date" });
    if (filters.direction.value) params.set("direction", filters.direction.value);
    if (filters.search.value.trim()) params.set("search", filters.search.value.trim());
    var mine = ++requestNumber;
    return LL.api("/api/v1/transactions/?" + params.toString()).then(function (body) {
      if (mine !== requestNumber) return; // a newer filter answered already
      renderTransactions(body);
    });
  }

  function renderTransactions(body) {
    var rows = LL.role("transactions");
    rows.replaceChildren();
    var items = LL.results(body);
    if (!items.length) rows.appendChild(el("tr", {}, [el("td", { colspan: 6, class: "muted", text: LL.t("no_transactions") })]));
    var debit = 0;
    var credit = 0;
    items.forEach(function (tx) {
      var isCredit = tx.direction === "credit" || tx.type === "credit";
      if (isCredit) credit += cents(tx.amount); else debit += cents(tx.amount);
      rows.appendChild(el("tr", { "data-direction": isCredit ? "credit" : "debit" }, [
        el("td", { text: tx.transaction_date || "" }),
        el("td", { text: tx.posting_date || "" }),
        el("td", { text: tx.description }),
        categoryCell(tx),
        el("td", { class: "num", text: isCredit ? "" : LL.money(tx.amount) }),
        el("td", { class: "num credit", text: isCredit ? LL.money(tx.amount) : "" }),
      ]));
    });
    LL.role("tx-summary").textContent = LL.t("tx_summary", {
      count: LL.count(body), debits: LL.money((debit / 100).toFixed(2)), credits: LL.money((credit / 100).toFixed(2)),
    });
  }

  // An agent's recategorisation: saved on change (PATCH …/category/), then "Make a rule" is
  // offered, which makes a merchant rule from the description for this customer's rows.
  function categoryCell(tx) {
    var input = el("input", { type: "text", name: "category", value: tx.category || "", maxlength: "60", "aria-label": LL.t("category.label"), "data-tx": String(tx.id) });
    var cell = el("td", { class: "category-cell" }, [input]);
    function send(makeRule) {
      return LL.api("/api/v1/transactions/" + tx.id + "/category/", { method: "PATCH", body: { category: input.value.trim(), make_rule: makeRule } });
    }
    input.addEventListener("change", function () {
      send(false).then(function () {
        var offer = cell.querySelector('[data-action="make-rule"]');
        if (offer) offer.remove();
        if (!input.value.trim()) return;
        offer = el("button", { type: "button", class: "button small", "data-action": "make-rule", text: LL.t("category.make_rule") });
        offer.addEventListener("click", function () {
          send(true).then(function (answer) {
            offer.remove();
            LL.flash(LL.t("category.rule_made", { pattern: answer.rule.pattern, category: answer.rule.category }));
          }, function (error) { LL.flash(LL.t("request_failed", { message: error.message }), "error"); });
        });
        cell.appendChild(offer);
        LL.flash(LL.t("saved"));
      }, function (error) { LL.flash(LL.t("save_failed", { message: error.message }), "error"); });
    });
    return cell;
  }

  // The bill's detail already carries its rows: the first, unfiltered table needs no second
  // request. Filtering asks the transactions API.
  function firstTransactions() {
    if (!Array.isArray(bill.transactions)) return loadTransactions();
    var rows = bill.transactions.slice().sort(function (a, b) {
      return String(a.transaction_date).localeCompare(String(b.transaction_date)) || a.id - b.id;
    });
    renderTransactions(rows);
    return Promise.resolve();
  }

  filters.addEventListener("submit", function (event) { event.preventDefault(); loadTransactions(); });
  filters.direction.addEventListener("change", loadTransactions);
  filters.search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadTransactions, 250);
  });

  // A bill in review from a bank without a template: supervisors (and admins) may mark its
  // statement and make the bank's template from it (template_example.js).
  function offerTemplate() {
    var user = LL.session.user() || {};
    if (bill.status !== "review" || !bill.statement_import) return;
    if (user.role !== "supervisor" && user.role !== "admin") return;
    LL.role("make-template").setAttribute("href", "/workbench/statements/" + bill.statement_import + "/template/?bill=" + bill.id);
    LL.role("bill-actions").hidden = false;
  }

  LL.api("/api/v1/bills/" + id + "/").then(function (data) {
    bill = data;
    renderSummary();
    offerTemplate();
    return firstTransactions();
  }).catch(function (error) {
    LL.role("bill-meta").textContent = LL.t("request_failed", { message: error.message });
    LL.flash(LL.t("request_failed", { message: error.message }), "error");
  }).finally(function () { LL.ready("bill"); });
})();
