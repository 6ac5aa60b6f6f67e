"""One strict pydantic model per op kind's payload; unknown fields are refused."""
