"""A dispatcher's "re-plan now" as a job: asked for over HTTP, carried out by the planner worker."""
