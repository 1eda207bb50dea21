// Skip logic on the survey page: a question with data-show-q is shown only when the answer to
// that earlier question meets data-show-min / -max / -in. Hidden answers are cleared; the
// server applies the same rule and ignores answers to hidden questions.
(function () {
  "use strict";
  function valuesOf(form, qid) {
    var out = [];
    form.querySelectorAll('[name="' + CSS.escape(qid) + '"]').forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.value !== "") out.push(el.value);
    });
    return out;
  }
  function holds(fs, values) {
    if (!values.length) return false;
    var min = fs.dataset.showMin, max = fs.dataset.showMax, inn = fs.dataset.showIn;
    return values.some(function (v) {
      if (inn !== undefined && inn.split("|").indexOf(v) < 0) return false;
      var n = Number(v);
      if (min !== undefined && !(n >= Number(min))) return false;
      if (max !== undefined && !(n <= Number(max))) return false;
      return true;
    });
  }
  function update(form) {
    form.querySelectorAll("fieldset[data-show-q]").forEach(function (fs) {
      var show = holds(fs, valuesOf(form, fs.dataset.showQ));
      fs.hidden = !show;
      if (!show) {
        fs.querySelectorAll("input, textarea, select").forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = false;
          else el.value = "";
        });
      }
    });
  }
  document.querySelectorAll("form.survey").forEach(function (form) {
    form.addEventListener("change", function () { update(form); });
    // the editor's previews are not sent anywhere (CSP forbids inline onsubmit handlers)
    if (form.hasAttribute("data-preview")) {
      form.addEventListener("submit", function (e) { e.preventDefault(); });
    }
    update(form);
  });
})();
