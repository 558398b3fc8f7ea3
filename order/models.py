"""Documents owned by the order service (MongoDB collections and their indexes)."""


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
