"""Reading a pack's publication files (`charts.yaml`, `publication.yaml`) so that an error can name
the file, the key and the line: `read(path)` returns the data with a `where(*keys)` that says
`<file>, <key path> (line N)`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class PackFileError(ValueError):
    """A publication file of the pack is invalid; the message names file, key and line."""


@dataclass(frozen=True)
class PackYaml:
    path: Path
    data: object
    root: yaml.Node | None

    def where(self, *keys: str | int) -> str:
        """`<file>, <a.b[2].c> (line N)`: the line of the deepest key that exists."""
        node, line = self.root, None
        for key in keys:
            child = _child(node, key)
            if child is None:
                break
            node, line = child, child.start_mark.line + 1
        path = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
        at = f" (line {line})" if line else ""
        return f"{self.path.name}, {path or 'top level'}{at}"

    def error(self, message: str, *keys: str | int) -> PackFileError:
        return PackFileError(f"{self.where(*keys)}: {message}")


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        return next((v for k, v in node.value if k.value == key), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def read(path: Path) -> PackYaml:
    """The file's data and node tree; a YAML syntax error names the file and line only."""
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" (line {mark.line + 1})" if mark else ""
        raise PackFileError(f"{path.name}{line}: not valid YAML ({exc.problem})") from None
    return PackYaml(path, data, root)
