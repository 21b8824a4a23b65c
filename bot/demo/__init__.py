"""`duwtje demo` and `duwtje chat`: the sandbox and the real bot over HTTP, on a virtual clock,
with SQLite in a temporary folder. No token, no network, nothing left behind."""
