"""marshmallow schemas for the order service's inputs and answers."""
