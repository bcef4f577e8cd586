"""Evidence files (photos, videos, documents) kept once by their hash and linked to non-site records and on-site
visits: the upload's hash check, image cleaning, the content-addressed store and serving the files."""
