"""Re-plan jobs publish no events: the job row is the record, the page follows it by its URL, and
the re-plan it asks for is sent to the planning queue by the dirty mark (``dirty.mark_dirty``)."""
