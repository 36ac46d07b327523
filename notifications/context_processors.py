from notifications.selectors import unread_count


def unread(request):
    """The header bell's unread count: one COUNT query per page, only when it is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": lambda: unread_count(user=user)}
