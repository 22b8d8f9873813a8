"""Which resources wait for which: edges from Ref, Fn::GetAtt, Fn::Sub and DependsOn."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.errors import ValidationError, template_error
from cloudlet.services.cloudformation.intrinsics import references


def depends_on(definition: dict[str, Any]) -> list[str]:
    value = definition.get("DependsOn") or []
    return [value] if isinstance(value, str) else list(value)


def dependencies(resources: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """logical id -> the resources it needs first (only those in `resources`)."""
    graph: dict[str, set[str]] = {}
    for name, definition in resources.items():
        names = references({k: v for k, v in definition.items() if k not in ("DependsOn", "Type")})
        graph[name] = {ref for ref in names if ref in resources} | set(depends_on(definition))
    missing = sorted({dep for deps in graph.values() for dep in deps if dep not in resources})
    if missing:
        raise template_error(
            f"Unresolved resource dependencies [{', '.join(missing)}] in the Resources block of the template"
        )
    check_cycles(graph)
    return graph


def check_cycles(graph: dict[str, set[str]]) -> None:
    """ValidationError naming every resource on a cycle (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cyclic: set[str] = set()
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        # Iterative, so a long chain of resources cannot hit the recursion limit.
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cyclic.update(component)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    if cyclic:
        raise ValidationError(f"Circular dependency between resources: [{', '.join(sorted(cyclic))}]")


def dependents(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The reverse edges: who needs each resource (deletion waits for them)."""
    reverse: dict[str, set[str]] = {name: set() for name in graph}
    for name, deps in graph.items():
        for dep in deps:
            reverse.setdefault(dep, set()).add(name)
    return reverse
