"""The map canvas: scene (observes the model), items, view, editing interactions, ladder."""
