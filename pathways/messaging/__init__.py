"""Sending: e-mail (SMTP, or a local capture in development), SMS (a provider behind one interface).

The plumbing only — building a message, handing it to a server, writing an
``.ics`` and a printable letter. Whether a message may be sent at all, and
to whom, is decided by ``pathways.services.messaging.may_message``; what is
sent is logged in ``outgoing_messages`` by the same service (never the text).
"""
