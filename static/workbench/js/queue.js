/* Queue: invoices and bills of the agent's customers that wait for a person, oldest first. */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var rows = LL.role("queue-rows");
  var items = [];
  var filter = "";

  var SOURCES = [
    { kind: "invoice", status: "needs_review", path: "/api/v1/invoices/?status=needs_review&ordering=created_at&page_size=200" },
    { kind: "invoice", status: "unrecognized", path: "/api/v1/invoices/?status=unrecognized&ordering=created_at&page_size=200" },
    { kind: "bill", status: "review", path: "/api/v1/bills/?status=review&ordering=created_at&page_size=200" },
  ];

  var names = {};

  function customerName(item) {
    var customer = item.customer;
    if (customer && typeof customer === "object") return customer.name || "";
    if (customer && names[customer]) return names[customer];
    var card = item.card && typeof item.card === "object" ? item.card : {};
    return item.customer_name || card.customer_name || (customer ? "#" + customer : "");
  }

  function title(item, kind) {
    if (kind === "invoice") return item.invoice_number || item.original_name || "#" + item.id;
    var card = item.card && typeof item.card === "object" ? item.card : {};
    var last4 = card.last4 || item.card_last4 || item.last4;
    var bank = (card.bank && (card.bank.name || card.bank)) || item.bank_name || "";
    return [bank, last4 ? "•••• " + last4 : "", item.statement_date || ""].join(" ").trim() || "#" + item.id;
  }

  function row(entry) {
    var item = entry.item;
    var href = entry.kind === "invoice" ? "/workbench/invoices/" + item.id + "/" : "/workbench/bills/" + item.id + "/";
    var confidence = typeof item.confidence === "number" ? Math.round(item.confidence * 100) + "%" : "–";
    var low = typeof item.confidence === "number" && item.confidence < LL.config.lowConfidence;
    return el("tr", { "data-kind": entry.kind, "data-id": item.id }, [
      el("td", {}, [el("a", { href: href, text: title(item, entry.kind) })]),
      el("td", { text: LL.t("kinds." + entry.kind) }),
      el("td", {}, [el("span", { class: "badge status-" + item.status, text: LL.t("status." + item.status) })]),
      el("td", { text: customerName(item) }),
      el("td", { class: "num" + (low ? " low" : ""), text: confidence }),
      el("td", { class: "num", title: item.created_at, text: LL.age(item.created_at) }),
    ]);
  }

  function render() {
    var shown = items.filter(function (entry) { return !filter || entry.item.status === filter; });
    rows.replaceChildren();
    if (!shown.length) rows.appendChild(el("tr", {}, [el("td", { colspan: 6, class: "muted", text: LL.t("nothing_to_review") })]));
    shown.forEach(function (entry) { rows.appendChild(row(entry)); });
    document.querySelectorAll("[data-filter]").forEach(function (link) {
      link.setAttribute("aria-current", link.getAttribute("data-filter") === filter ? "true" : "false");
    });
  }

  function setCount(name, value) {
    var node = document.querySelector('[data-count="' + name + '"]');
    if (node) node.textContent = value;
  }

  document.querySelectorAll("[data-filter]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      filter = link.getAttribute("data-filter");
      render();
    });
  });

  var named = LL.customerList().then(function (list) {
    list.forEach(function (customer) { names[customer.id] = customer.name; });
  });
  Promise.allSettled(SOURCES.map(function (source) { return LL.api(source.path); }).concat([named])).then(function (outcomes) {
    outcomes = outcomes.slice(0, SOURCES.length);
    var total = 0;
    outcomes.forEach(function (outcome, index) {
      var source = SOURCES[index];
      if (outcome.status !== "fulfilled") {
        setCount(source.status, "!");
        LL.flash(LL.t("request_failed", { message: outcome.reason.message }), "error");
        return;
      }
      var found = LL.results(outcome.value);
      // The API filters by status; re-check here so a list that ignores the filter stays honest.
      found = found.filter(function (item) { return !item.status || item.status === source.status; });
      found.forEach(function (item) { item.status = item.status || source.status; });
      found.forEach(function (item) { items.push({ kind: source.kind, item: item }); });
      var n = Array.isArray(outcome.value) ? found.length : LL.count(outcome.value);
      setCount(source.status, n);
      total += n;
    });
    setCount("all", total);
    items.sort(function (a, b) { return Date.parse(a.item.created_at) - Date.parse(b.item.created_at); });
    render();
    LL.ready("queue");
  });
})();
