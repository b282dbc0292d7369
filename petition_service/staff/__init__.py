"""Staff: accounts, tokens, dashboard and downloads."""
