"""A module with no app in it."""

value = 1


def helper() -> int:
    return value
