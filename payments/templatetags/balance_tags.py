from typing import Any

from django import template

from payments.selectors.balance import communities_coordinated

register = template.Library()


@register.simple_tag
def coordinates_community(user: Any) -> bool:
    """`{% coordinates_community request.user as coordinator %}`: whether the user may see a
    community's balance page (a coordinator of an active community)."""
    return bool(communities_coordinated(user=user))
