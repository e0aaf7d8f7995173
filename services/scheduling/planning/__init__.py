"""The pure scheduling engine: litter estimates, volunteer coverage, effort policy, routing.

No database and no web code here: the service feeds it plain values and stores
what it returns.
"""
