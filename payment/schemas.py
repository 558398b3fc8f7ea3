"""marshmallow schemas for the payment service's inputs and answers."""
