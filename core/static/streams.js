// Streams enhancements: infinite scroll, with the "Older posts" link as the fallback.
// When the link scrolls into view, its page is fetched and its posts appended here; the
// fetched page's own older link (if any) takes this one's place. Without this file, or on
// any failure, the link is an ordinary link to the next page.
(function () {
  "use strict";
  var items = document.querySelector("[data-stream-items]");
  if (!items || !("IntersectionObserver" in window) || !window.fetch || !window.DOMParser) { return; }
  var loading = false;

  function current() { return document.querySelector("a[data-older]"); }

  function append(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var newItems = page.querySelector("[data-stream-items]");
    if (!newItems) { throw new Error("no stream items in the fetched page"); }
    while (newItems.firstElementChild) {
      items.appendChild(document.adoptNode(newItems.firstElementChild));
    }
    var link = current();
    var older = page.querySelector("a[data-older]");
    var holder = link.closest("nav") || link;
    if (older) {
      link.replaceWith(document.adoptNode(older));
      observer.observe(current());
    } else {
      holder.remove();
    }
  }

  function load(link) {
    if (loading) { return; }
    loading = true;
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) { observer.unobserve(link); append(html); })
      .catch(function () { link.removeAttribute("aria-busy"); observer.unobserve(link); })
      .then(function () { loading = false; });
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) { load(entry.target); }
    });
  }, { rootMargin: "0px 0px 400px 0px" });

  var first = current();
  if (first) { observer.observe(first); }
})();
