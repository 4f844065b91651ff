"""Storage: SQLModel tables, the engine built from a URL, transactions and migrations."""
