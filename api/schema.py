"""OpenAPI additions: the error body, documented on every operation."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "not_found"},
                "message": {"type": "string"},
                "details": {"description": "Field errors (400), {'wait': seconds} (429), or null"},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}

COMMON_ERRORS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "Not allowed",
    "404": "Not found, or not readable by the caller",
    "429": "Too many requests",
}


def add_error_responses(result, generator, request, public):
    """Document the error body for the statuses every operation may answer (drf-spectacular hook)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in COMMON_ERRORS.items():
                responses.setdefault(code, {"description": text, "content": content})
            if method == "post" and path.startswith("/api/v1/uploads/"):
                responses.setdefault("409", {"description": "Wrong state", "content": content})
            if path.endswith("/preview/"):
                responses.setdefault("409", {"description": "No preview yet", "content": content})
    return result
