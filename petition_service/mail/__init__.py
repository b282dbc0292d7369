"""Mail: messages and the durable outbox they are sent from."""
