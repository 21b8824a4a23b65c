"""Domain services: the rules behind each update.

No `telegram` import here; every function is given `session` and `now`.
"""
