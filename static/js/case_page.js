// The case page: text typed in one form stays when another form is saved. A save answers with the checklist, the
// records and the other forms anew (htmx); a form that has been typed in is kept as it is through that swap, open
// and with everything in it (htmx's hx-preserve, by its slot's id), unless it is the form being saved: that one
// comes back from the server, saved or with its errors.
(function () {
  "use strict";
  var typed = new Set();  // the ids of the slots (or lone fields, such as a step change's note) typed in

  function keeper(element) {
    var slot = element.closest(".record-slot");
    if (slot !== null && slot.id) { return slot; }
    return element.id ? element : null;
  }

  function typedIn(event) {
    var kept = event.target instanceof Element ? keeper(event.target) : null;
    if (kept !== null) { typed.add(kept.id); }
  }

  document.addEventListener("input", typedIn);
  document.addEventListener("change", typedIn);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest("form");
    if (form === null || (form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    var kept = keeper(form);
    if (kept !== null) { typed.delete(kept.id); }
    form.querySelectorAll("[id]").forEach(function (field) { typed.delete(field.id); });
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var response = event.detail.serverResponse;
    if (typeof response !== "string" || typed.size === 0) { return; }
    typed.forEach(function (id) {
      if (document.getElementById(id) === null) { typed.delete(id); return; }
      // Slot and field ids are names of lower-case letters, digits, "-" and "_" (incidents/case_page.py).
      response = response.replace('id="' + id + '"', 'id="' + id + '" hx-preserve="true"');
    });
    event.detail.serverResponse = response;
  });
})();
