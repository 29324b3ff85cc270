// YouTube cards: a click on the card replaces it with the player, from the pod's chosen
// player host (youtube-nocookie.com by default). Before the click the page asks YouTube for
// nothing. Without this script the card is a plain link to the video on YouTube.
(function () {
  "use strict";

  function play(figure, link) {
    var frame = document.createElement("iframe");
    frame.className = "youtube-embed-player";
    frame.src = figure.getAttribute("data-youtube-player");
    frame.title = figure.getAttribute("data-youtube-title") || "YouTube video";
    frame.width = "560";
    frame.height = "315";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.allowFullscreen = true;
    // The player wants to know which site embeds it; the pod's own policy sends no referrer.
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.setAttribute("data-youtube-watch", link.href);
    figure.replaceChildren(frame);
    figure.classList.add("youtube-embed-playing");
    frame.focus();
  }

  function originOf(url) {
    try { return new URL(url, document.baseURI).origin; } catch (e) { return null; }
  }

  // One listener for the whole document, so cards added later (infinite scroll) work too.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey) { return; }  // a new tab or window: let the link go to YouTube
    var link = event.target.closest && event.target.closest("a.youtube-embed-card");
    var figure = link && link.closest("figure[data-youtube-player]");
    if (!figure) { return; }
    event.preventDefault();
    play(figure, link);
  });

  // The pod lets the player in only on pages that showed a video when they were served. A card
  // brought in later (the next page of a stream) may land on a page that did not: its frame is
  // then refused, and the reader who asked for the video goes to it on YouTube instead.
  document.addEventListener("securitypolicyviolation", function (event) {
    if (event.effectiveDirective !== "frame-src") { return; }
    var blocked = originOf(event.blockedURI);
    document.querySelectorAll("iframe[data-youtube-watch]").forEach(function (frame) {
      if (originOf(frame.src) === blocked) { window.location.assign(frame.getAttribute("data-youtube-watch")); }
    });
  });
})();
