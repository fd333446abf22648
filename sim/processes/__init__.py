"""The monthly processes of docs/ODD.md section 3, as functions over arrays."""
