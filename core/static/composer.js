// Composer enhancements: mention autocomplete. The composer works without this file.
// Typing "@" and a few letters in a textarea with data-mentions offers people from
// /people/autocomplete.json?q=; picking one inserts "@{Name; user@pod}".
(function () {
  "use strict";
  var MENTION = /(^|\s)@([^\s@{}]{2,})$/;

  function setUp(textarea) {
    var endpoint = textarea.getAttribute("data-mentions");
    var list = document.createElement("ul");
    list.className = "mention-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    textarea.parentNode.insertBefore(list, textarea.nextSibling);
    var pending = null;
    var current = null;

    function close() { list.hidden = true; list.textContent = ""; current = null; }

    function choose(person) {
      if (!current) { return; }
      var before = textarea.value.slice(0, current.start);
      var after = textarea.value.slice(textarea.selectionEnd);
      var token = "@{" + person.name + "; " + person.diaspora_id + "} ";
      textarea.value = before + token + after;
      var caret = before.length + token.length;
      textarea.setSelectionRange(caret, caret);
      textarea.focus();
      close();
    }

    function show(people) {
      list.textContent = "";
      people.slice(0, 8).forEach(function (person) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        if (person.avatar) {
          var img = document.createElement("img");
          img.src = person.avatar; img.alt = ""; img.width = 20; img.height = 20;
          button.appendChild(img);
        }
        button.appendChild(document.createTextNode(" " + person.name + " (" + person.diaspora_id + ")"));
        button.addEventListener("click", function () { choose(person); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = people.length === 0;
    }

    textarea.addEventListener("input", function () {
      var text = textarea.value.slice(0, textarea.selectionEnd);
      var match = MENTION.exec(text);
      if (!match) { close(); return; }
      current = {start: text.length - match[2].length - 1};
      var query = match[2];
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(endpoint + "?q=" + encodeURIComponent(query), {credentials: "same-origin", signal: pending.signal})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (people) { if (current) { show(Array.isArray(people) ? people : []); } })
        .catch(function () {});
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
    });
  }

  document.querySelectorAll("textarea[data-mentions]").forEach(setUp);
})();
