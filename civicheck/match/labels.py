"""Where a hit stands, in words a reporter can cite: "paragraph 4 of the article", "the article body on the
page, between paragraphs 3 and 4", "block 12 of the page text, outside the article body".
"""

from __future__ import annotations

from collections.abc import Sequence


def paragraphs(first: int, last: int) -> str:
    """ "paragraph 4 of the article", or "paragraphs 4–5 of the article" for a hit running over both."""
    return (
        f"paragraph {first} of the article" if first == last else f"paragraphs {first}–{last} of the article"
    )


def in_body(before: int | None, after: int | None) -> str:
    """A place in the article body on the page that is in none of the extracted paragraphs (a quote box, a
    paragraph holding a link, the lede), named by the paragraphs around it (1-based)."""
    if before is not None and after is not None:
        return f"the article body on the page, between paragraphs {before} and {after}"
    if after is not None:
        return f"the article body on the page, before paragraph {after}"
    if before is not None:
        return f"the article body on the page, after paragraph {before}"
    return "the article body on the page"


def outside_body(first: int, last: int) -> str:
    """A place on the page outside the article body, by its visible text blocks (1-based)."""
    blocks = f"block {first}" if first == last else f"blocks {first}–{last}"
    return f"{blocks} of the page text, outside the article body"


def located(label: str) -> str:
    """The label with its preposition, to follow "found": "in paragraph 4 of the article", "on p. 143"."""
    return f"on {label}" if label.startswith(("p. ", "pp. ")) else f"in {label}"


def located_all(labels: Sequence[str]) -> str:
    """Several labels in order, once each: "in paragraphs 5 and 10 of the article", "in paragraph 2 of the
    article and in block 9 of the page text, outside the article body"."""
    labels = list(dict.fromkeys(labels))
    single = "paragraph ", " of the article"
    if len(labels) > 1 and all(lb.startswith(single[0]) and lb.endswith(single[1]) for lb in labels):
        numbers = [lb[len(single[0]) : -len(single[1])] for lb in labels]
        return "in paragraphs " + ", ".join(numbers[:-1]) + " and " + numbers[-1] + single[1]
    return " and ".join(located(lb) for lb in labels)
