"""QR codes as inline SVG (segno: pure Python, no image libraries, prints sharply)."""

import segno


def qr_svg(text, scale=4):
    """An <svg> element for `text`, medium error correction, with its quiet zone."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=scale)
