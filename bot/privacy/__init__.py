"""Privacy: the youth's data export and erasure, found by walking the schema."""
