"""YAML for source profiles: ``yaml.safe_load`` minus what it lets through silently."""

from __future__ import annotations

import yaml

MAX_YAML_NODES = 10_000  # a profile is a few hundred; an alias bomb is millions


class StrictYAMLError(yaml.YAMLError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses what safe_load lets through silently: a key given
    twice in one mapping (the later one would win) and aliases that expand to
    more than MAX_YAML_NODES nodes (the "billion laughs": 9 aliases of 9
    aliases ... is small on disk and millions of values once expanded)."""

    def compose_document(self):
        node = super().compose_document()
        sizes: dict[int, int] = {}

        def size(n) -> int:  # expanded size, each shared node counted where it is used
            if id(n) in sizes:
                return sizes[id(n)]
            sizes[id(n)] = 1  # a recursive alias counts once
            children = (n.value if isinstance(n, yaml.SequenceNode) else
                        [x for pair in n.value for x in pair] if isinstance(n, yaml.MappingNode)
                        else [])
            total = 1 + sum(size(c) for c in children)
            if total > MAX_YAML_NODES:
                raise StrictYAMLError(n.start_mark.line + 1,
                                       f"aliases expand to more than {MAX_YAML_NODES} values")
            sizes[id(n)] = total
            return total

        if node is not None:
            size(node)
        return node

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:
                    continue  # an unhashable key: safe_load's own error follows
                if first != key_node.start_mark.line + 1:
                    raise StrictYAMLError(key_node.start_mark.line + 1,
                                           f"duplicate key {key!r} (first at line {first})")
        return super().construct_mapping(node, deep)


def load_strict(text: str):
    """``yaml.safe_load`` that raises StrictYAMLError (with a line) for a duplicate
    key or an alias bomb."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)
