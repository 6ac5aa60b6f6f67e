"""Background sync: the APScheduler job, the status-bar indicator, the conflicts inbox."""
