// Segment builder: typed value controls for the chosen field (number, date, known values).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("seg-fields").textContent);
  var DAY_OPS = ["within last days", "more than days ago"];
  var LIST_OPS = ["in", "not in", "contains any", "between"];
  function update(row) {
    var field = row.querySelector(".seg-field").value;
    var op = row.querySelector(".seg-op").value;
    var input = row.querySelector(".seg-value");
    var list = row.querySelector("datalist");
    var type = data.types[field] || "string";
    var kind = "text";
    if (DAY_OPS.indexOf(op) >= 0) { kind = "number"; }
    else if (LIST_OPS.indexOf(op) < 0) {
      if (type === "int" || type === "float") { kind = "number"; }
      else if (type === "date" || type === "timestamp") { kind = "date"; }
    }
    input.type = kind;
    input.step = kind === "number" ? "any" : "";
    input.disabled = op === "is null" || op === "is not null";
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var values = type === "bool" ? ["true", "false"] : (data.values[field] || []);
    values.forEach(function (v) {
      var o = document.createElement("option");
      o.value = v;
      list.appendChild(o);
    });
  }
  document.querySelectorAll("tr[data-row]").forEach(function (row) {
    row.querySelector(".seg-field").addEventListener("change", function () { update(row); });
    row.querySelector(".seg-op").addEventListener("change", function () { update(row); });
    update(row);
  });
})();
