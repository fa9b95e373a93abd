"""The responses every endpoint of the API may give besides its own, added to the OpenAPI schema in one place
(a drf-spectacular postprocessing hook), so that the schema names every status code the API answers."""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in the user's language."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Per field (or non_field_errors, or detail for a request that cannot be read) the messages "
                   "that say what to correct.",
    "additionalProperties": {},
}

COMMON = {
    "401": ("Not signed in: no token, or a token that is not valid.", "Error"),
    "403": ("Signed in, but not allowed: for example a role that needs two-factor authentication first.", "Error"),
    "406": ("The Accept header asks for something else than JSON.", "Error"),
    "429": ("Too many requests; try again after the number of seconds in Retry-After.", "Error"),
}
WITH_INPUT = {"400": ("The request is not valid: the messages say what to correct.", "FieldErrors")}
WITH_BODY = {"415": ("The request body is not in a media type this operation reads.", "Error")}
NOT_FOUND = {"404": ("Nothing found: no such object for this user, or no such page of results.", "FieldErrors")}
# The body of an error response the view declares without one: a 400 or 404 may name fields, the others not.
BODY_OF = {"400": "FieldErrors", "404": "FieldErrors"}


def _response(description, component):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}}


def add_common_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            parameters = operation.get("parameters", [])
            extra = dict(COMMON)
            if parameters or "requestBody" in operation:
                extra.update(WITH_INPUT)
            if "requestBody" in operation:
                extra.update(WITH_BODY)
            if "{" in path or any(parameter.get("name") == "page" for parameter in parameters):
                extra.update(NOT_FOUND)
            responses = operation.setdefault("responses", {})
            for code, (description, component) in extra.items():
                responses.setdefault(code, _response(description, component))
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = _response("", BODY_OF.get(code, "Error"))["content"]
    return result
