class Param:
    def __init__(self, default=None, description=None, **schema):
        allowed = {"type", "enum", "minimum", "maximum", "format", "title"}
        unknown = set(schema) - allowed
        if unknown:
            raise TypeError(f"Param got unexpected keyword argument(s) {sorted(unknown)}")
        self.value = default
        self.description = description
        self.schema = schema
