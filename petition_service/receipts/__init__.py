"""Public receipts: a page per batch that anyone can check documents against, and the
Merkle tree that lets each signer prove their own signature was delivered."""
