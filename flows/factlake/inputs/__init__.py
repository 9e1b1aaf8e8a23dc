"""Input formats beside ``.txt`` and ``.jsonl``: each a plug-in from raw bytes (or a stream) to articles
and rejects, with its own rejects.

- :mod:`~factlake.inputs.html_page`: a saved web page (``.html``, ``.htm``) is one article, its main text
  taken out of the markup by trafilatura (navigation, footers and other boilerplate left out) and its
  publication date found by htmldate;
- :mod:`~factlake.inputs.warc`: a web archive (``.warc``, ``.warc.gz``, e.g. CC-NEWS), read record by
  record from the stream: every HTML response record is one article, every other record one reject;
- :mod:`~factlake.inputs.feed`: an RSS or Atom feed (``.xml``, ``.rss``, ``.atom``) read by feedparser: one
  article per item.

Like the text formats, these never raise for any bytes: every input, record and item ends as exactly one
article or one reject. No library is ever handed a string it could take for a URL or a file name (they
fetch or open those): pages are parsed into a tree first, feeds are passed as an in-memory stream.
"""

from __future__ import annotations

HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
FEED_SUFFIXES = (".xml", ".rss", ".atom")


def is_html(source_uri: str) -> bool:
    """Whether an input's name marks a saved web page."""
    return source_uri.lower().endswith(HTML_SUFFIXES)


def is_warc(source_uri: str) -> bool:
    """Whether an input's name marks a web archive (read as a stream, never whole)."""
    return source_uri.lower().endswith(WARC_SUFFIXES)


def is_feed(source_uri: str) -> bool:
    """Whether an input's name marks an RSS or Atom feed."""
    return source_uri.lower().endswith(FEED_SUFFIXES)
