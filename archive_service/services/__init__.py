"""Use cases: each service does one job for a caller (CLI, web view, Celery task).

Grouped by what they serve: `pipeline` (a document from intake to the index), `records`
(nomenclature, filing, cases, pupils), `batch` (stacks, cover sheets, bulk import) and
`admin` (audit, labels, moving an archive to servers). The retention services live in
the top-level `retention` package beside the rules they apply.
"""
