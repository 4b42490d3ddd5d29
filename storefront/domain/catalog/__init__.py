"""The catalogue as shoppers see it: localized text, prices, stock, listings with filters and facets."""
