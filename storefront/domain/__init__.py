"""Business logic: plain functions over models and integrations, no request objects."""
