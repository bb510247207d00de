"""The Fake Store API: its records (models), the HTTP client and resource, and a local emulator."""
