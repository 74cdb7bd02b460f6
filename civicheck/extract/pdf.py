"""A PDF's text layer page by page and its metadata, read with pypdf; why there is none when it cannot be read
(scanned, encrypted, damaged).
"""

from __future__ import annotations

import re

from civicheck.extract.clean import clean_text
from civicheck.extract.document import Document, Link


def extract_pdf(body: bytes, doc: Document) -> None:
    import io

    from pypdf import PdfReader

    _quiet_pypdf()
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            locked = _unlock(reader)
            if locked:
                doc.problem = locked
                return
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - malformed PDFs raise anything from deep inside the parser
        doc.problem = _pdf_problem(exc)
        return
    texts, failures = [], []
    for page in pages:
        try:
            texts.append(" ".join((page.extract_text() or "").split()))
        except Exception as exc:  # noqa: BLE001 - one damaged page must not hide the others' text
            texts.append("")
            failures.append(exc)
    doc.pdf_pages = [clean_text(t, doc) for t in texts]
    doc.links = _pdf_links(reader, pages, doc)
    _pdf_metadata(reader, doc)
    if failures and len(failures) == len(pages):
        doc.problem = _pdf_problem(failures[0])
    elif not any(texts):
        doc.problem = "no text layer (scanned document)"


def _pdf_links(reader, pages: list, doc: Document) -> list[Link]:
    """The web links a reader of the PDF can click: each page's link annotations with a URI action, resolved
    against the document's /URI /Base (or its own URL), with their page number. A damaged annotation costs
    only itself."""
    from civicheck.extract.links import LINK_LIMIT, resolve

    try:
        base = str(reader.trailer["/Root"].get("/URI", {}).get("/Base") or doc.final_url)
    except Exception:  # noqa: BLE001 - a broken catalog: the document's own URL is the base
        base = doc.final_url
    found: dict[str, Link] = {}
    for number, page in enumerate(pages, 1):
        try:
            annotations = page.get("/Annots") or []
            annotations = annotations.get_object() if hasattr(annotations, "get_object") else annotations
        except Exception:  # noqa: BLE001
            continue
        for ref in annotations:
            try:
                annotation = ref.get_object()
                action = annotation.get("/A")
                action = action.get_object() if action is not None else None
                if annotation.get("/Subtype") != "/Link" or action is None or action.get("/S") != "/URI":
                    continue
                uri = action.get("/URI")
                href = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri or "")
            except Exception:  # noqa: BLE001 - malformed PDFs raise anything from deep inside the parser
                continue
            link = resolve(href, base, "pdf link", "", number)
            if link is not None and link.url not in found:
                found[link.url] = link
                if len(found) >= LINK_LIMIT:
                    return list(found.values())
    return list(found.values())


def _quiet_pypdf() -> None:
    """pypdf reports what it repairs ("EOF marker not found") through logging; with no handler configured
    Python's last-resort handler would print that on our standard error. The reason we give says enough."""
    import logging

    logger = logging.getLogger("pypdf")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _unlock(reader) -> str | None:
    """Open an encrypted PDF with the empty password (many "protected" PDFs only restrict printing or
    copying); the reason it stays shut otherwise."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
            return None
    except DependencyError:
        return "the PDF is encrypted with AES, which needs the 'cryptography' package to read (pip install 'pypdf[crypto]')"
    except Exception as exc:  # noqa: BLE001 - an unsupported or broken encryption dictionary
        return f"the PDF is encrypted in a way that cannot be read ({type(exc).__name__}: {exc})"
    return "the PDF is encrypted and cannot be read without its password"


def _pdf_problem(exc: Exception) -> str:
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if isinstance(exc, FileNotDecryptedError):
        return "the PDF is encrypted and cannot be read without its password"
    if isinstance(exc, DependencyError):
        return f"the PDF needs a package civicheck lacks to be read ({exc})"
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return f"the PDF is damaged or incomplete and cannot be read ({msg})"


def _pdf_metadata(reader, doc: Document) -> None:
    try:
        meta = reader.metadata or {}
        doc.title = str(meta.get("/Title") or "")
        author = str(meta.get("/Author") or "") or None
        created, modified = meta.get("/CreationDate"), meta.get("/ModDate")
    except Exception:  # noqa: BLE001 - a broken info dictionary costs the metadata, not the text
        author = created = modified = None
    doc.meta = {
        "title": doc.title or None,
        "author": author,
        "sitename": None,
        "published": _pdf_date(created),
        "updated": _pdf_date(modified),
    }


def _pdf_date(value) -> str | None:
    """PDF dates look like D:20230115093000+07'00'; the day is what matters here."""
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None
