"""Text that every file format can hold, shared by the spreadsheet and PDF writers."""

import re

# XML 1.0 (XLSX, and reportlab's paragraph parser) has no place for these controls
# (tab, LF and CR are allowed); lone surrogates have no UTF-8 encoding at all.
UNWRITABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value):
    """`value` as str, each character a file cannot hold replaced by U+FFFD, so one
    bad character in a name never turns a whole export into a server error."""
    return UNWRITABLE_RE.sub(REPLACEMENT, str(value))
