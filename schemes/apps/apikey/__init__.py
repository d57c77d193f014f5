"""The ``api-key`` scheme's key model: djangorestframework-api-key's documented
custom-model pattern (an ``AbstractAPIKey`` subclass with a foreign key to the user)."""
