def office(request):
    """The current office, membership and the offices the user can switch to."""
    return {
        "current_office": getattr(request, "office", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
    }


def navigation(request):
    from portal.core.navigation import nav_for

    return {"nav_items": nav_for(request)}
