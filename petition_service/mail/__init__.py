"""Mail: the confirmation mails, the durable outbox they are sent from (update mails and the
letters mailed to officials too), and the confirm and withdraw pages their links open."""
