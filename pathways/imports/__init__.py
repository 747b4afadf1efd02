"""Taking a platform's existing caseload spreadsheet in, once (import-format.md)."""
