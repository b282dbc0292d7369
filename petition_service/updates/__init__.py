"""Updates: news staff publish on a petition, mailed at a steady pace to the signers who
asked for it, each mail with a one-click unsubscribe."""
