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
        self.parts: list[Pdf] = []  # open until written: qpdf copies stream data lazily
        self.pages = 0
        self.version = "1.7"
        self.bookmarks: list[tuple[str, int]] = []

    def add(self, pdf: bytes) -> int:
        """Append the pages of ``pdf`` and its structure; how many pages it had."""
        part = Pdf.open(io.BytesIO(pdf))
        self.parts.append(part)
        self.version = max(self.version, part.pdf_version)
        originals = list(part.pages)
        self.pdf.pages.extend(part.pages)
        added = list(self.pdf.pages)[self.pages :]
        self.pages += len(added)
        tree = part.Root.get("/StructTreeRoot")
        if tree is None:
            return len(added)
        # One copy of the part's tree, through the same map as its pages: the elements point
        # at the pages and annotations just added.
        copied = self.pdf.copy_foreign(tree)
        kids = copied.K
        for element in kids if isinstance(kids, Array) else [kids]:
            if element.get("/S") == Name.Document:
                inner = element.K
                elements = list(inner) if isinstance(inner, Array) else [inner]
            else:
                elements = [element]
            for kid in elements:
                if isinstance(kid, Dictionary) and "/P" in kid:
                    kid.P = self.document
                self.elements.append(kid)
        offset = self.next_key
        keys = []
        for key, value in _nums(copied.ParentTree):
            self.nums.append(key + offset)
            self.nums.append(value)
            keys.append(key)
        self.next_key = offset + (max(keys) + 1 if keys else 0)
        for page, original in zip(added, originals, strict=True):
            if "/StructParents" in original.obj:
                page.obj.StructParents = int(original.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        return len(added)

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
        if self.parts and "/Metadata" in self.parts[0].Root:
            # the XMP metadata of the first part (its title and the PDF/UA claim)
            catalog.Metadata = pdf.copy_foreign(self.parts[0].Root.Metadata)
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
