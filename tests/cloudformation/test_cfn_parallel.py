"""The engine's scheduler: resources whose dependencies are done are created concurrently, a
resource starts only after everything it depends on, and after a failure nothing new starts."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from cloudlet.services.cloudformation.engine import Engine


class FakeRun:
    """Stands in for a stack operation: each create waits until every resource in `together`
    has started, so a scheduler creating one at a time would never finish."""

    def __init__(self, graph: dict[str, set[str]], together: set[str], failing: set[str] = frozenset()):
        self.plan = SimpleNamespace(graph=graph)
        self.rows: dict[str, object] = {}
        self.together, self.failing = together, failing
        self.log: list[tuple[str, str]] = []
        self.started: set[str] = set()
        self.all_started = asyncio.Event()

    async def create(self, name: str, *, in_update: bool) -> bool:
        self.log.append(("start", name))
        self.started.add(name)
        if self.together <= self.started:
            self.all_started.set()
        if name in self.together:
            await self.all_started.wait()
        await asyncio.sleep(0)
        self.log.append(("done", name))
        return name not in self.failing


def _apply(run: FakeRun) -> list[str]:
    async def main() -> list[str]:
        return await asyncio.wait_for(Engine._apply(None, run, in_update=False), timeout=5)

    return asyncio.run(main())


def test_independent_resources_are_created_concurrently():
    graph = {"A": set(), "B": set(), "C": set(), "D": {"A", "B"}, "E": {"D", "C"}}
    run = FakeRun(graph, together={"A", "B", "C"})
    assert _apply(run) == []
    order = run.log
    assert {name for step, name in order[:3]} == {"A", "B", "C"} and all(s == "start" for s, _ in order[:3])
    for name, needs in graph.items():
        start = order.index(("start", name))
        assert all(order.index(("done", dep)) < start for dep in needs), (name, order)


def test_after_a_failure_nothing_new_starts():
    graph = {"A": set(), "B": set(), "C": {"A"}, "D": {"B"}}
    run = FakeRun(graph, together={"A", "B"}, failing={"A"})
    assert _apply(run) == ["A"]
    started = {name for step, name in run.log if step == "start"}
    assert started == {"A", "B"}  # B was already running and finishes; C and D never start
    assert ("done", "B") in run.log
