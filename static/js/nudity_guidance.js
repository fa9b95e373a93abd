// The report form: the guidance on a nude image of a minor shows, and the file field closes, as soon as the
// category sexting is chosen or the box is ticked. Without JavaScript the guidance is always shown and the server
// refuses the files (incidents/imagery.py).
(function () {
  "use strict";
  var box = document.getElementById("id_minor_nudity");
  if (!box) { return; }
  var category = document.getElementById("id_category");
  var files = document.getElementById("id_files");
  var guidance = document.querySelectorAll("[data-nudity-guidance]");

  function update() {
    var applies = box.checked || (category !== null && category.value === "sexting");
    guidance.forEach(function (element) {
      element.hidden = !applies;
      element.classList.toggle("alert", applies);
      element.classList.toggle("alert-warning", applies);
      if (applies) { element.setAttribute("role", "status"); } else { element.removeAttribute("role"); }
    });
    if (files !== null) {
      files.disabled = applies;
      if (applies) { files.value = ""; }
    }
  }

  box.addEventListener("change", update);
  if (category !== null) { category.addEventListener("change", update); }
  update();
}());
