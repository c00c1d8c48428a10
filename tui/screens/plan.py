"""A statement's plan as a tree (alt+e in the SQL console); Esc closes it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Tree
from textual.widgets.tree import TreeNode

from tui.db.explain import PlanNode
from tui.text.escape import escaped_plain


def _add(into: TreeNode[None], node: PlanNode) -> None:
    for child in node.children:
        label = Text(escaped_plain(child.label))
        if child.children:
            branch = into.add(label, expand=True)
            _add(branch, child)
        else:
            into.add_leaf(label)


class PlanScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="plan.close")]

    def __init__(self, sql: str, plan: PlanNode) -> None:
        super().__init__()
        self._sql = sql
        self._plan = plan

    def compose(self) -> ComposeResult:
        tree: Tree[None] = Tree(Text(escaped_plain(self._plan.label)), id="plan-tree")
        tree.root.expand()
        _add(tree.root, self._plan)
        first = " ".join(self._sql.split())
        with Vertical(classes="dialog wide", id="plan-dialog"):
            yield Label(
                escaped_plain(f"Plan of: {first[:100]}"), classes="dialog-title", markup=False
            )
            yield tree

    def on_mount(self) -> None:
        self.query_one(Tree).focus()

    def action_close(self) -> None:
        self.dismiss(None)
