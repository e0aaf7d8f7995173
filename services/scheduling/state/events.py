"""The street state publishes nothing: it is written from the events other services publish."""
