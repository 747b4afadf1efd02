"""Personal data as the CNIL's référentiel asks (issue 12).

- ``declaration``: every column of every table, declared — personal (its
  category, sensitivity, whose, what the anonymisation does with it) or not;
  a test fails when a column is added undeclared. The notice, the register
  and the anonymisation are generated from it.
- ``anonymise``: ``anonymise_person``, the one rule the retention job, the
  erasure on request and the tests use.
- ``retention``: who is listed to the manager and when, the daily job's run.
- ``rights``: the notice given, the opposition, the erasure on request.
- ``record``: a person's whole record (the right of access), written as PDF
  and spreadsheet by ``exports.person_record``.
- ``documents``: the information notice and the register of processing.
- ``jobs``, ``cli``: the job kinds and the commands (``retention``, ``reencrypt``).

Encryption at rest is ``pathways.crypto`` (a column type the models use).
"""
