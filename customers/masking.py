"""Masking of sensitive identifiers for readers without `customers.view_sensitive`."""

MASK_CHAR = "*"
_KEEP_HEAD, _KEEP_TAIL = 3, 4


def mask_identifier(value: str) -> str:
    """`110105194912310021` -> `110***********0021`: first 3 and last 4 kept, same length.
    Values too short to hide anything that way are masked entirely."""
    if not value:
        return value
    if len(value) <= _KEEP_HEAD + _KEEP_TAIL:
        return MASK_CHAR * len(value)
    hidden = len(value) - _KEEP_HEAD - _KEEP_TAIL
    return value[:_KEEP_HEAD] + MASK_CHAR * hidden + value[-_KEEP_TAIL:]
