"""The embedded sandbox: a Cal.com-compatible platform OAuth server (CONTRACT §1, §2, §4), as Cal.com ships it
(persona calcom, the default) or as it is meant to behave (persona reference); see personas.py."""
