"""Mail: the confirmation mails, the durable outbox they are sent from, and the confirm
and withdraw pages their links open."""
