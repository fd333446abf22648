"""The monthly processes of MODEL.md section 3, as functions over arrays."""
