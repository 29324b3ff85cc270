// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Ask before a form marked data-confirm does something hard to undo.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // A show/hide switch for each password field.
  document.querySelectorAll("input[type=password]").forEach(function (input) {
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "link reveal";
    toggle.textContent = "show";
    toggle.setAttribute("aria-controls", input.id);
    toggle.addEventListener("click", function () {
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      toggle.textContent = hidden ? "hide" : "show";
    });
    input.insertAdjacentElement("afterend", toggle);
  });
})();
