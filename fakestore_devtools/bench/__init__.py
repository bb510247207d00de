"""`make bench`: the platform measured at scale against the local API, in one process tree.

`environment` starts a fresh warehouse and the local API; `figures` takes each measurement;
`report` prints them and writes BENCHMARKS.md; `run` puts them in order.
"""
