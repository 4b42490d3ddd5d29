"""Marketing: campaigns and tracked links, attribution of visits, carts and orders, reports, landing pages,
feeds and e-mail marketing (one module per job)."""
