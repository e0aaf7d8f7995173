"""The history publishes nothing: it is written alongside the state changes it records."""
