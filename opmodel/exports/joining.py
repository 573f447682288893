"""Joining separately rendered, tagged PDFs into one, their structure trees too.

The handbook is rendered in parts (memory) and joined with pikepdf (qpdf), which copies pages
but not a document's structure tree: a joined handbook would lose its tags (the headings,
tables and figures a screen reader follows, issue 20). Each part's tree is copied under one
Document element, and its parent tree (which ties the marked content of a page, and each
link, to its structure element) is renumbered after the parts before it.

qpdf keeps the objects in C++ and copies a part's graph once (pages, elements and the parent
tree's references to them share one map per part); pypdf, before it, held the joined tree of
some 45,000 elements as Python objects (120 MiB and ten seconds of CPU for the large
handbook). Objects no longer reachable (each part's own root and Document element) are not
written.
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf


def _nums(tree: Any) -> list[tuple[int, Any]]:
    """A number tree's pairs (WeasyPrint writes one flat /Nums array; /Kids are read too)."""
    pairs: list[tuple[int, Any]] = []
    nums = tree.get("/Nums")
    if nums is not None:
        pairs.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2))
    for kid in tree.get("/Kids", ()):
        pairs.extend(_nums(kid))
    return pairs


def _own_streams(top: Any) -> None:
    """Give every stream reachable from ``top`` (a copied page: its contents, fonts, images)
    its data, still encoded, instead of qpdf's lazy reference to the part it came from: the
    part can then be closed and its objects let go (they were half the join's memory)."""
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, Dictionary | Array | pikepdf.Stream):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            filters: Any = obj.get("/Filter")
            parms: Any = obj.get("/DecodeParms")
            obj.write(obj.read_raw_bytes(), filter=filters, decode_parms=parms)
        if isinstance(obj, Dictionary | pikepdf.Stream):
            stack.extend(v for k, v in obj.items() if k not in ("/Parent", "/P"))
        elif isinstance(obj, Array):
            stack.extend(obj)


class TaggedJoin:
    """One tagged PDF made of parts, in order: ``add(pdf)`` each, ``outline(...)`` the
    bookmarks, then ``write()``."""

    def __init__(self) -> None:
        self.pdf = Pdf.new()
        pdf = self.pdf
        self.root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.elements = Array()  # the Document element's kids: every part's
        self.document = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=self.elements)
        )
        self.nums = Array()  # the parent tree's: every part's, renumbered
        self.root.K = Array([self.document])
        self.root.ParentTree = pdf.make_indirect(Dictionary(Nums=self.nums))
        self.next_key = 0
        self.metadata: Any = None  # the first part's XMP metadata
        self.pages = 0
        self.version = "1.7"
        self.bookmarks: list[tuple[str, int]] = []

    def add(self, pdf: bytes, *, in_front: bool = False) -> int:
        """Append the pages of ``pdf`` and its structure (``in_front``: put them before the
        parts added so far, as the handbook's cover and contents, rendered last); how many
        pages it had."""
        part = Pdf.open(io.BytesIO(pdf))
        if "/Metadata" in part.Root and (self.metadata is None or in_front):
            # the XMP metadata of the first part (its title and the PDF/UA claim)
            self.metadata = self.pdf.copy_foreign(part.Root.Metadata)
            _own_streams(self.metadata)
        self.version = max(self.version, part.pdf_version)
        count = len(part.pages)
        if in_front:
            for i, page in enumerate(part.pages):
                self.pdf.pages.insert(i, page)
            added = list(self.pdf.pages)[:count]
        else:
            self.pdf.pages.extend(part.pages)
            added = list(self.pdf.pages)[self.pages :]
        self.pages += count
        tree = part.Root.get("/StructTreeRoot")
        if tree is not None:
            # One copy of the part's tree, through the same map as its pages: the elements
            # point at the pages and annotations just added.
            copied = self.pdf.copy_foreign(tree)
            elements = self._top_elements(copied)
            at = 0 if in_front else len(self.elements)
            self.elements[at:at] = elements
            self._renumber(copied, added)
        for page in added:
            _own_streams(page.obj)
        part.close()  # its streams are ours now: the part's objects are let go
        return count

    def _top_elements(self, copied: Any) -> list[Any]:
        """A copied part's top elements (its Document element's kids), now ours."""
        kids = copied.K
        found: list[Any] = []
        for element in kids if isinstance(kids, Array) else [kids]:
            if element.get("/S") == Name.Document:
                inner = element.K
                found.extend(inner if isinstance(inner, Array) else [inner])
            else:
                found.append(element)
        for kid in found:
            if isinstance(kid, Dictionary) and "/P" in kid:
                kid.P = self.document
        return found

    def _renumber(self, copied: Any, added: list[Any]) -> None:
        """The part's parent tree after the parts before it, and its pages' and links' keys
        with it."""
        offset = self.next_key
        keys = []
        for key, value in _nums(copied.ParentTree):
            self.nums.append(key + offset)
            self.nums.append(value)
            keys.append(key)
        self.next_key = offset + (max(keys) + 1 if keys else 0)
        for page in added:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset

    def outline(self, title: str, page_number: int) -> None:
        """A bookmark to the page ``page_number`` (from 0) of the joined document."""
        self.bookmarks.append((title, page_number))

    def write(self, *, title: str, lang: str) -> bytes:
        pdf = self.pdf
        self.root.ParentTreeNextKey = self.next_key
        catalog = pdf.Root
        catalog.StructTreeRoot = self.root
        catalog.MarkInfo = Dictionary(Marked=True)
        catalog.Lang = pikepdf.String(lang)
        catalog.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        if self.metadata is not None:
            catalog.Metadata = self.metadata
        pdf.docinfo.Title = pikepdf.String(title)
        if self.bookmarks:
            with pdf.open_outline() as outline:
                outline.root.extend(OutlineItem(t, page) for t, page in self.bookmarks)
        out = io.BytesIO()
        pdf.save(
            out,
            min_version=self.version,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
        )
        return out.getvalue()
