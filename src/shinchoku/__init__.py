"""shinchoku (進捗): action-plan progress sheets as schema-validated YAML records in git."""

__version__ = "0.1.0"
