"""Dirty marks publish nothing: a re-plan is asked for on the planning queue after the commit."""
