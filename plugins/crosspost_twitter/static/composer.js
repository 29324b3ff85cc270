// "Also post to X" applies to public posts only: show it while "Public" is chosen, and take
// it out of the form (unticked, disabled) for any other visibility.
(function () {
  "use strict";
  document.querySelectorAll("[data-crosspost-twitter]").forEach(function (box) {
    var form = box.closest("form");
    if (!form) { return; }
    var checkbox = box.querySelector("input[type=checkbox]");
    var hint = box.querySelector("[data-crosspost-twitter-hint]");
    function update() {
      var chosen = form.querySelector("input[name=visibility]:checked");
      var isPublic = chosen !== null && chosen.value === "public";
      box.hidden = !isPublic;
      checkbox.disabled = !isPublic;
      if (!isPublic) { checkbox.checked = false; }
      if (hint) { hint.hidden = true; }  // the script enforces what the hint says
    }
    form.querySelectorAll("input[name=visibility]").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();
