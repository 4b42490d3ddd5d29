"""Server-side carts: lines, quantities within stock, discount codes, and the totals shoppers see."""
