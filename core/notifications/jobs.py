"""Jobs of notifications: mails and the daily birthday check."""
