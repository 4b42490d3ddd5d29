"""Built-in product search: one Whoosh index per locale under the instance folder (DESIGN §6)."""
