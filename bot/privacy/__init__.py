"""Privacy (AVG/GDPR): encryption at rest (`crypto`), key rotation (`rotation`), the schema walk
that finds a youth's rows (`schema`), export (`export`), erasure (`erasure`) and retention
(`retention`)."""
