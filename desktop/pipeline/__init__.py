"""The pipeline: every deal as a fast table and as a board by stage."""
