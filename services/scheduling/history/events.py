"""The history publishes nothing: it reads what the street state and the plans recorded."""
