"""Joining separately rendered, tagged PDFs into one, their structure trees too.

The handbook is rendered in parts (memory) and joined with pypdf, which copies pages but
not a document's structure tree: a joined handbook would lose its tags (the headings,
tables and figures a screen reader follows, issue 20). Each part's tree is copied under
one Document element, and its parent tree (which ties the marked content of a page, and
each link, to its structure element) is renumbered after the parts before it.
"""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _nums(tree: DictionaryObject) -> list[tuple[int, Any]]:
    """A number tree's pairs (WeasyPrint writes one flat /Nums array; /Kids are read too)."""
    pairs: list[tuple[int, Any]] = []
    nums = tree.get("/Nums")
    if nums is not None:
        raw = nums.get_object()
        pairs.extend((int(raw[i]), raw[i + 1]) for i in range(0, len(raw), 2))
    for kid in tree.get("/Kids", ()):
        pairs.extend(_nums(kid.get_object()))
    return pairs


class TaggedJoin:
    """One tagged PDF made of parts, in order: ``add(pdf)`` each, then ``write()``."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
        self.root_ref = self.writer._add_object(root)
        self.elements = ArrayObject()  # the Document element's kids: every part's
        document = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructElem"),
                NameObject("/S"): NameObject("/Document"),
                NameObject("/P"): self.root_ref,
                NameObject("/K"): self.elements,
            }
        )
        self.document_ref = self.writer._add_object(document)
        self.nums = ArrayObject()  # the parent tree's: every part's, renumbered
        self.parent_tree = DictionaryObject({NameObject("/Nums"): self.nums})
        root[NameObject("/K")] = ArrayObject([self.document_ref])
        root[NameObject("/ParentTree")] = self.writer._add_object(self.parent_tree)
        self.root = root
        self.next_key = 0
        self.first: PdfReader | None = None
        self.pages = 0

    def add(self, pdf: bytes) -> int:
        """Append the pages of ``pdf`` and its structure; how many pages it had."""
        reader = PdfReader(io.BytesIO(pdf))
        self.first = self.first or reader
        added = [self.writer.add_page(page) for page in reader.pages]
        self.pages += len(added)
        catalog: Any = reader.trailer["/Root"]
        tree = catalog.get("/StructTreeRoot")
        if tree is None:
            return len(added)
        tree = tree.get_object()
        kids = tree["/K"]
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        part_documents = [k.get_object() for k in (kids if isinstance(kids, list) else [kids])]
        # The part's root and Document element are this document's: cloning an element
        # whose /P points at them points it at ours, and the part's parent tree stays behind.
        translated = self.writer._id_translated.setdefault(id(reader), {"PreventGC": reader})
        translated[tree.indirect_reference.idnum] = self.root_ref.idnum
        for part_document in part_documents:
            if part_document.get("/S") == "/Document":
                translated[part_document.indirect_reference.idnum] = self.document_ref.idnum
                elements = part_document["/K"]
            else:
                elements = [part_document.indirect_reference]
            for element in elements:
                self.elements.append(element.clone(self.writer).indirect_reference)
        offset = self.next_key
        keys = []
        for key, value in _nums(tree["/ParentTree"].get_object()):
            self.nums.extend([NumberObject(key + offset), value.clone(self.writer)])
            keys.append(key)
        self.next_key = offset + (max(keys) + 1 if keys else 0)
        originals: list[Any] = list(reader.pages)
        for page, original in zip(added, originals, strict=True):
            if "/StructParents" in original:
                page[NameObject("/StructParents")] = NumberObject(
                    int(original["/StructParents"]) + offset
                )
            for annotation in page.get("/Annots", ()):
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(
                        int(annotation["/StructParent"]) + offset
                    )
        return len(added)

    def write(self, *, title: str, lang: str) -> bytes:
        writer = self.writer
        self.root[NameObject("/ParentTreeNextKey")] = NumberObject(self.next_key)
        catalog = writer._root_object
        catalog[NameObject("/StructTreeRoot")] = self.root_ref
        catalog[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)}
        )
        catalog[NameObject("/Lang")] = TextStringObject(lang)
        catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        )
        first: Any = self.first.trailer["/Root"] if self.first is not None else {}
        if "/Metadata" in first:
            # the XMP metadata of the first part (its title and the PDF/UA claim)
            metadata = first.raw_get("/Metadata")
            catalog[NameObject("/Metadata")] = metadata.clone(writer)
        writer.add_metadata({"/Title": title})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
