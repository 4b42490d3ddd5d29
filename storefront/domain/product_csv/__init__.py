"""Products in and out as Shopify product CSV files (plus our customs and translation columns).

`export` writes the catalogue; `reading` turns an uploaded file into rows, `drafts` rows into
products, `planning` checks the drafts against the database (the dry run), `actions` writes a
checked plan in one transaction and `progress` keeps each import's state while it runs.
"""
