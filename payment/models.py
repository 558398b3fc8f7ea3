"""Documents owned by the payment service (MongoDB collections and their indexes)."""


def create_indexes(db):
    """Run once when the service starts; creating an existing index is a no-op."""
