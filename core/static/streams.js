// Streams enhancements: infinite scroll, with the "older" link as the fallback.
