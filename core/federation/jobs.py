"""Federation's jobs: processing inbox items, delivering, sweeping, checking pods."""
