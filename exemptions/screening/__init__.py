"""Party screening against the sanctions lists.

Bottom up: `records` (what a list entry holds), `formats` (the published files of the UN, OFAC, the EU and the
UK, parsed safely into records), `names` (normalization and romanization) and `matching` (the token index and
the scorer, rule flags beside list matches) are pure Python. `store` loads a file into a list version and its
entries, `runs` screens a filing's parties and freezes the result on it; both sit just above the models, so
that the engine can screen a dossier in the transaction that files it. `rescreening` (a new list version
against the parties of open and approved filings, with its emails through the outbox) is a service.
"""
