"""The admin's catalogue editing: products, collections and pages, validated, stale-edit safe and audited."""
