"""`pligos edit`: a Textual editor for one service's pligos.yaml with its charts previewed."""
