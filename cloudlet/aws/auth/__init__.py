"""SigV4 building blocks: canonical requests, signing keys, and the auth errors of each service family."""
