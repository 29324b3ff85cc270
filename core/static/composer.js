// Composer enhancements: mention autocomplete and photo previews.
