"""YAML as plain data: ``yaml.SafeLoader`` (a tag that would build an object is an error, never
run) that also refuses a key given twice in one mapping (PyYAML keeps the last one silently).
Errors are one line with the position and the problem, never a snippet of the file."""
from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import InputError


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: str, line: int):
        self.key, self.line = key, line


class StrictLoader(yaml.SafeLoader):
    """SafeLoader + duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                dup = key in seen
            except TypeError:  # unhashable key: SafeLoader reports it
                continue
            if dup:
                raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """An integer of at most ``MAX_INT_DIGITS`` digits: Python refuses to convert 4,300 and more
        (a ValueError, not a YAML error), and no planning figure needs more than a few."""
        if sum(ch.isalnum() for ch in str(node.value)) > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of more than {MAX_INT_DIGITS} digits", node.start_mark)
        return super().construct_yaml_int(node)


MAX_INT_DIGITS = 30
StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, StrictLoader.construct_yaml_map)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)


_QUOTED = re.compile(r"'[^']{4,}'|\"[^\"]{4,}\"")  # a quoted piece of the file (one character may stay)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error as position + problem (no context snippet of the file)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        problem = "YAML tags (such as !!python/...) are not allowed; a scenario is plain data"
    problem = _QUOTED.sub("(text not shown)", problem)  # e.g. an undefined alias's name: the file's text
    return f"not valid YAML ({where}{problem})"


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (a message stays one visible line)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text strictly; raises InputError naming ``source`` (and the key given twice)."""
    try:
        return yaml.load(text, Loader=StrictLoader)
    except _DuplicateKey as exc:
        raise InputError(source, printable(exc.key), f"given twice (line {exc.line}); each setting may appear once") from None
    except yaml.YAMLError as exc:
        raise InputError(source, "", _yaml_problem(exc)) from None
