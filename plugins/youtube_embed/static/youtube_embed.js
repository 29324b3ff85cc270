// YouTube cards: a click on the card replaces it with the player, from the pod's chosen
// player host (youtube-nocookie.com by default). Before the click the page asks YouTube for
// nothing. Without this script the card is a plain link to the video on YouTube.
(function () {
  "use strict";

  function play(figure) {
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
    figure.replaceChildren(frame);
    figure.classList.add("youtube-embed-playing");
    frame.focus();
  }

  // One listener for the whole document, so cards added later (infinite scroll) work too.
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey) { return; }  // a new tab or window: let the link go to YouTube
    var link = event.target.closest && event.target.closest("a.youtube-embed-card");
    var figure = link && link.closest("figure[data-youtube-player]");
    if (!figure) { return; }
    event.preventDefault();
    play(figure);
  });
})();
