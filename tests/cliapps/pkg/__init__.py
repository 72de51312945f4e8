"""A package holding its app in a submodule."""
