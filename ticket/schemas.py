"""marshmallow schemas for the ticket service's inputs and answers."""
