"""Charts a GP would rather look at than read, painted with QPainter (no extra Qt module)."""
