"""Time rules as pure functions of state and `now`. No `telegram`, no clock, no database.

Every function takes aware datetimes and a time zone and returns aware UTC datetimes; local
times ("09:00 in Amsterdam") are resolved with zoneinfo, so the two daylight-saving Sundays
need no special cases in the callers.
"""
