/* Dashboard, auto-approve: per field, the calibrated threshold, the share of values it lets
 * straight through and the error rate reviewers measured among them
 * (GET /api/v1/invoices/auto-approve/, supervisors and admins; the section goes for others).
 */
(function () {
  "use strict";
  if (!LL.session.active()) return;
  var el = LL.el;
  var section = LL.role("auto-approve");

  function percent(value) {
    return value === null || value === undefined ? "–" : (100 * value).toFixed(1) + " %";
  }

  function row(field) {
    var threshold = field.threshold === null ? "–" : field.threshold.toFixed(2);
    return el("tr", { "data-field": field.field, "data-status": field.status }, [
      el("td", { text: field.field }),
      el("td", { class: "num", "data-value": "threshold", text: threshold }),
      el("td", { class: "num", "data-value": "straight_through_rate", text: percent(field.straight_through_rate) }),
      el("td", { class: "num", "data-value": "measured_error_rate", text: percent(field.measured_error_rate) }),
      el("td", { class: "num", text: percent(field.target_error_rate) }),
      el("td", { class: "num", text: String(field.samples) }),
    ]);
  }

  LL.api("/api/v1/invoices/auto-approve/").then(function (body) {
    if (!body.fields.length) return;
    var rows = LL.role("auto-approve-fields");
    rows.replaceChildren.apply(rows, body.fields.map(row));
  }, function () {
    section.remove(); // not a supervisor's or admin's: nothing to show
  });
})();
