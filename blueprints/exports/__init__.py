"""Downloads of the board and of a claim's lines as CSV and Excel (.xlsx)."""
