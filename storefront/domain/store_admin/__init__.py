"""Store settings as the owner edits them in the admin: validated, audited, and refused when stale.

Modules: `store` (details, base currency, languages, search synonyms), `markets`, `fx` (overrides and
refresh), `shipping` (zones and rates), `taxes`, `payments` (Stripe keys sealed at rest), `theme`;
`errors` is the shared vocabulary of problems, `events` writes the audit trail, `inputs` parses what
people type (country lists, percentages, amounts).
"""
