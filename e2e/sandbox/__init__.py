"""The embedded sandbox: a Cal.com-compatible platform OAuth server (CONTRACT §1, §2, §4)."""
