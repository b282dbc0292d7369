"""Letter delivery batches: freezing signatures, rendering and signing PDFs, storage."""
