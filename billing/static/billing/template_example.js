/* The admin's "make a bank template from this statement" page: the column boxes follow the
   form (role, x0, x1 of each row), and dragging across a page fills the first free row.
   No inline code: loaded as a file under the page's Content-Security-Policy. */
(function () {
  "use strict";
  var form = document.querySelector('[data-role="template-example"]');
  if (!form) return;
  var SVG = "http://www.w3.org/2000/svg";

  function rows() {
    return Array.prototype.slice.call(form.querySelectorAll('[data-role="columns"] tbody tr'));
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function marked() {
    return rows().map(function (row, index) {
      var x0 = parseFloat(field(row, "x0").value);
      var x1 = parseFloat(field(row, "x1").value);
      var role = field(row, "role").value;
      return { index: index, role: role, x0: x0, x1: x1 };
    }).filter(function (c) { return c.role && c.x0 >= 0 && c.x1 <= 1 && c.x0 < c.x1; });
  }

  function redraw() {
    var columns = marked();
    document.querySelectorAll(".example-page svg").forEach(function (svg) {
      var width = parseFloat(svg.dataset.width);
      var height = parseFloat(svg.dataset.height);
      svg.querySelectorAll(".example-column").forEach(function (node) { node.remove(); });
      columns.forEach(function (c) {
        var rect = document.createElementNS(SVG, "rect");
        rect.setAttribute("class", "example-column role-" + c.role);
        rect.setAttribute("data-column", String(c.index));
        rect.setAttribute("x", String(c.x0 * width));
        rect.setAttribute("y", "0");
        rect.setAttribute("width", String((c.x1 - c.x0) * width));
        rect.setAttribute("height", String(height));
        var title = document.createElementNS(SVG, "title");
        title.textContent = c.role + " " + c.x0 + "–" + c.x1;
        rect.appendChild(title);
        svg.appendChild(rect);
      });
    });
  }

  function fraction(svg, event) {
    var box = svg.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  }

  function freeRow() {
    return rows().filter(function (row) {
      return !field(row, "role").value || !field(row, "x0").value || !field(row, "x1").value;
    })[0];
  }

  document.querySelectorAll(".example-page svg").forEach(function (svg) {
    var start = null;
    var band = null;
    svg.addEventListener("pointerdown", function (event) {
      start = fraction(svg, event);
      band = document.createElementNS(SVG, "rect");
      band.setAttribute("class", "example-drag");
      band.setAttribute("y", "0");
      band.setAttribute("height", svg.dataset.height);
      svg.appendChild(band);
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (start === null) return;
      var width = parseFloat(svg.dataset.width);
      var here = fraction(svg, event);
      band.setAttribute("x", String(Math.min(start, here) * width));
      band.setAttribute("width", String(Math.abs(here - start) * width));
    });
    svg.addEventListener("pointerup", function (event) {
      if (start === null) return;
      var end = fraction(svg, event);
      var x0 = Math.min(start, end);
      var x1 = Math.max(start, end);
      start = null;
      band.remove();
      var row = freeRow();
      if (!row || x1 - x0 < 0.005) return;
      field(row, "x0").value = x0.toFixed(4);
      field(row, "x1").value = x1.toFixed(4);
      var role = field(row, "role");
      if (!role.value) role.value = "amount";
      role.focus();
      redraw();
    });
  });

  form.addEventListener("input", redraw);
  form.addEventListener("change", redraw);
})();
