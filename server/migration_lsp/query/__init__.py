"""What the editor asks about a project: symbols, definitions, references, completion, hover cards."""
