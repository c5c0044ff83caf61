"""FHIR Bulk Data-style NDJSON exports of a clinic: pseudonymised for a study, or in full for the
clinic itself (docs/research.md)."""
