"""Excel workbooks built from query results: the bilan, the national file, the cohort."""
