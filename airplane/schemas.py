"""marshmallow schemas for the airplane service's inputs and answers."""
