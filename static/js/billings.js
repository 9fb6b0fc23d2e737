// Progress Billings: keep the Send Invites and Remind now buttons in step with the ticked rows, with no server round trip,
// and the forms around the list in step with its sort and search.
(function () {
  "use strict";

  function refresh() {
    var form = document.getElementById("send-invites");
    if (!form) return;
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="commitment_ids"]:not(:disabled)'));
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    var button = form.querySelector("[data-send-button]");
    if (button) {
      button.disabled = ticked === 0;
      button.querySelector("[data-selected-count]").textContent = String(ticked);
    }
    // Remind now counts the ticked invited rows (their boxes are named remind_ids) the same way.
    var reminded = form.querySelectorAll('input[name="remind_ids"]:checked').length;
    var remind = form.querySelector("[data-remind-button]");
    if (remind) {
      remind.disabled = reminded === 0;
      remind.querySelector("[data-remind-count]").textContent = String(reminded);
    }
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.disabled = boxes.length === 0;  // after a send, the rows sent can no longer be ticked
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      var form = target.closest("form");
      form.querySelectorAll('input[name="commitment_ids"]:not(:disabled)').forEach(function (b) {
        b.checked = target.checked;
      });
    }
    refresh();
  });
  // After a sort or search swapped the list, the forms outside it (search, period) keep the new view.
  function keepView() {
    var form = document.getElementById("send-invites");
    if (!form) return;
    document.querySelectorAll("input[data-keep]").forEach(function (input) {
      var shown = form.querySelector('input[type="hidden"][name="' + input.name + '"]');
      var value = shown ? shown.value : "";
      input.value = value;
      input.disabled = value === "";
    });
  }

  document.addEventListener("htmx:after:swap", refresh);
  document.addEventListener("htmx:after:swap", keepView);
  document.addEventListener("htmx:after:settle", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
