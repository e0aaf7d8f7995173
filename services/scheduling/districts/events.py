"""District targets publish no event: they only mark today's and tomorrow's plans dirty."""
