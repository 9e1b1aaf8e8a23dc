"""A small union-find (disjoint set) over integer positions, with deterministic representatives."""

from __future__ import annotations

import numpy as np


class UnionFind:
    """Disjoint sets over ``0 .. size-1``; the representative of a set is always its smallest member.

    Keeping the smallest member as the root makes the result independent of the order of ``union``
    calls, so callers that sort their items first get deterministic groups.

    Parents are stored as the integer objects made when the structure is, never as those the caller
    passes: a million mentions' merges would otherwise leave a million small objects scattered among the
    clustering's freed temporaries, and the allocator could not give their memory back.
    """

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))

    def find(self, item: int) -> int:
        """Representative of ``item``'s set (path halving keeps trees flat)."""
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, first: int, second: int) -> bool:
        """Merge the sets of ``first`` and ``second``; False when they were one set already."""
        root_first, root_second = self.find(first), self.find(second)
        if root_first == root_second:
            return False
        parent = self._parent
        if root_first < root_second:
            parent[root_second] = parent[root_first]
        else:
            parent[root_first] = parent[root_second]
        return True

    def attach(self, items: np.ndarray, roots: np.ndarray) -> None:
        """Put each of ``items`` into the set of its ``roots`` entry, in bulk.

        Equivalent to ``union(root, item)`` for every pair, provided every item is still alone in its set
        and every root is the representative of its set and smaller than its items (identical mentions
        joining their earliest copy before any other merge).
        """
        parent = self._parent
        for item, root in zip(items.tolist(), roots.tolist(), strict=True):
            parent[item] = parent[root]  # the root's own object (it is its own parent)

    def roots(self) -> np.ndarray:
        """Representative of every item, as an integer array (pointer jumping over the whole forest)."""
        parent = np.array(self._parent, dtype=np.int64)
        while True:
            grandparent = parent[parent]
            if np.array_equal(grandparent, parent):
                return parent
            parent = grandparent
