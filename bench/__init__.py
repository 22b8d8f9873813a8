"""cloudlet's benchmark harness: cloudlet and its peers, one after another, measured by one client.

Run it with `python -m bench`; see bench/README.md. Nothing here is imported by cloudlet, and
the peers (moto, MiniStack) are installed only through the `bench` extra.
"""
