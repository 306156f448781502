"""Scripts featureline copies into a sandbox workspace and runs there (never imported here).

They run with the sandbox's Python (featureline's own environment: pytest, httpx and
Schemathesis are there) against the generated service.
"""
