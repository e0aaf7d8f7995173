"""`streetcare simulate`: a city with a hidden truth, run against the real scheduling engine."""
