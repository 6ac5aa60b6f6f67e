"""The audit log: filtered, paged, and verified on demand."""
