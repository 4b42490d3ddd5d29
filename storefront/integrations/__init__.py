"""Adapters to the outside world; none of them knows about Flask requests."""
