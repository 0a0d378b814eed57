"""A transport's stored error as staff say it: what went wrong, without host names, ports or SMTP codes.

The transports keep the technical message (the audit trail and the logs need it); pages and task reasons
show these words instead, and say what happens next themselves (the retry time, or what to correct).
"""

from __future__ import annotations

import re


# Which relay carries each transport (a fax leaves through the mail-to-fax gateway's relay).
_RELAY = {"fax": "fax relay", "direct": "Direct messaging relay", "email": "mail relay"}
_UNREACHABLE = re.compile(r"^Could not reach the mail relay\b")
_REFUSED_RECIPIENT = re.compile(r"^The mail relay \S+ refused the recipient (\S+):")
_REFUSED_MESSAGE = re.compile(r"^The mail relay \S+ refused the message\b")


def send_failure(error: str | None, transport: str | None = None) -> str:
    """A stored transport error as staff say it: what went wrong, without host names, ports or codes."""
    if not error:
        return "it could not be sent"
    relay = _RELAY.get(transport or "", "mail relay")
    if _UNREACHABLE.search(error):
        return f"the {relay} did not answer"
    if found := _REFUSED_RECIPIENT.search(error):
        return f"the {relay} refused the address {found.group(1)}"
    if _REFUSED_MESSAGE.search(error):
        return f"the {relay} refused the message"
    return error
