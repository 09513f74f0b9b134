"""The terminal UI (Textual): browse, understand and decide on the stack."""
