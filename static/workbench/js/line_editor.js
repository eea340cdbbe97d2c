/* The review page's line-items table, edited in place: correct a cell, remove a line, add one.
 *
 * LL.lineEditor(body, addButton, onChange) wires the table body and its "Add line" button and
 * calls onChange after every edit. It answers: render(lines, locked) to show stored lines,
 * lines() for what the table holds in the API's shape (PUT …/lines/), differs(stored) to tell
 * whether that is still what is stored, and showErrors(error) to mark the cells a refusal names.
 */
(function () {
  "use strict";
  var FIELDS = ["description", "quantity", "unit_price", "amount", "tax_rate"];

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  LL.lineEditor = function (body, addButton, onChange) {
    var locked = false;

    function row(line) {
      var tr = LL.el("tr", {}, FIELDS.map(function (name) {
        return LL.el("td", { class: name === "description" ? null : "num" }, [LL.el("input", {
          name: "line-" + name,
          value: text(line[name]),
          inputmode: name === "description" ? null : "decimal",
          "aria-label": LL.t("line_field." + name),
          disabled: locked,
        })]);
      }));
      tr.appendChild(LL.el("td", {}, [LL.el("button", {
        type: "button", class: "button ghost", text: "×", "aria-label": LL.t("remove_line"), disabled: locked,
        onclick: function () { tr.remove(); onChange(); },
      })]));
      return tr;
    }

    function cell(index, name) {
      return body.rows[index] && body.rows[index].querySelector('[name="line-' + name + '"]');
    }

    function render(lines, isLocked) {
      locked = Boolean(isLocked);
      body.replaceChildren();
      (lines || []).forEach(function (line) { body.appendChild(row(line)); });
      addButton.disabled = locked;
    }

    // Blank numbers are left out, as the API reads them.
    function lines() {
      return Array.prototype.map.call(body.rows, function (tr, index) {
        var line = {};
        FIELDS.forEach(function (name) {
          var value = cell(index, name).value.trim();
          if (name === "description" || value !== "") line[name] = value;
        });
        return line;
      });
    }

    function differs(stored) {
      var shape = function (line) { return FIELDS.map(function (name) { return text(line[name]); }); };
      return JSON.stringify((stored || []).map(shape)) !== JSON.stringify(lines().map(shape));
    }

    // The error shape keys a list's problems by position: {"1": {"amount": ["…"]}}. Marks each
    // named cell and returns a message for the first ("Line 2, Amount: …"), or null.
    function showErrors(error) {
      var perLine = (error.details && error.details.fields && error.details.fields.lines) || {};
      var first = null;
      Object.keys(perLine).forEach(function (key) {
        var index = Number(key);
        var problems = perLine[key];
        if (!problems || typeof problems !== "object" || Array.isArray(problems) || isNaN(index)) return;
        Object.keys(problems).forEach(function (name) {
          var input = cell(index, name);
          var message = [].concat(problems[name]).join(" ");
          if (input) { input.classList.add("invalid"); input.title = message; }
          if (!first) first = { input: input, text: LL.t("invalid_line", { line: index + 1, field: LL.t("line_field." + name), message: message }) };
        });
      });
      if (first && first.input) first.input.focus();
      return first ? first.text : null;
    }

    body.addEventListener("input", function (event) {
      event.target.classList.remove("invalid");
      onChange();
    });
    addButton.addEventListener("click", function () {
      var added = row({ description: "" });
      body.appendChild(added);
      added.querySelector("input").focus();
      onChange();
    });

    return { render: render, lines: lines, differs: differs, showErrors: showErrors };
  };
})();
