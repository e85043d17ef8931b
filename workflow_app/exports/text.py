"""Text that every file format can hold, shared by the spreadsheet and PDF writers."""

import re

# XML 1.0 (XLSX, and reportlab's paragraph parser) has no place for these controls;
# tab, LF and CR are allowed.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def clean_text(value):
    """`value` as str without characters a file cannot hold: the controls above and
    lone surrogates (which have no UTF-8 encoding) become U+FFFD, so one bad
    character in a name never turns a whole export into a server error."""
    text = str(value)
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return CONTROL_RE.sub(REPLACEMENT, text)
