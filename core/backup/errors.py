class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why in plain words, and nothing
    already stored has been changed when a restore raises it before its first write."""
