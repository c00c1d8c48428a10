"""The application's database package: settings, engines, models, schemas and the HTTP API."""
