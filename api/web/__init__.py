"""The map page and the bulletin files, served beside the JSON API."""
