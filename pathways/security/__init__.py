"""Access: login, sessions, roles and scope, headers, the audit trail's pages."""
