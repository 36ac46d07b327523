from accounts.access import access_for


def access(request):
    """Expose the user's `Access` to templates, for showing links (never for enforcing)."""
    return {"access": access_for(request)}
