"""Storage: the projection interface reducers write through, and the local SQLite store."""
