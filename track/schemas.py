"""marshmallow schemas for the track service's inputs and answers."""
