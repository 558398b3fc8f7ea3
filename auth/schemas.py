"""marshmallow schemas for the auth service's inputs and answers."""
