"""Jobs that build exports and apply imports, a step at a time."""
