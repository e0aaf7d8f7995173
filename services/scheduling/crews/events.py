"""Crews publish no event: a change to a crew marks today's and tomorrow's plans dirty."""
