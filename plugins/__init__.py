"""Reusable plugins shipped with Bangfu. ``plugins.national`` is the national baseline."""
