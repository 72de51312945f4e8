"""Unit tests for vial.views: what as_view produces and which methods a MethodView collects."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from vial.views import MethodView, View


class Greeting(View):
    """Say hello."""

    methods = ["GET", "POST"]
    provide_automatic_options = False

    def __init__(self, greeting: str = "Hello", *, punctuation: str = "!") -> None:
        self.greeting = greeting
        self.punctuation = punctuation

    def dispatch_request(self, name: str = "world") -> str:
        return f"{self.greeting}, {name}{self.punctuation}"


# -- View.as_view


def test_as_view_attributes() -> None:
    view = Greeting.as_view("greet")
    assert view.__name__ == "greet"
    assert view.__doc__ == "Say hello."
    assert view.__module__ == __name__
    assert view.view_class is Greeting
    assert view.methods == ["GET", "POST"]
    assert view.provide_automatic_options is False


def test_as_view_defaults() -> None:
    class Plain(View):
        def dispatch_request(self) -> str:
            return "plain"

    view = Plain.as_view("plain")
    assert view.methods is None
    assert view.provide_automatic_options is None
    assert view.__doc__ is None
    assert View.init_every_request is True
    assert View.decorators == []


def test_as_view_returns_a_new_function_each_time() -> None:
    first = Greeting.as_view("first")
    second = Greeting.as_view("second")
    assert first is not second
    assert (first.__name__, second.__name__) == ("first", "second")


def test_init_every_request_creates_no_instance_up_front() -> None:
    created: list[tuple[Any, ...]] = []

    class Counting(View):
        def __init__(self, *args: Any) -> None:
            created.append(args)

    Counting.as_view("counting", 1, 2)
    assert created == []


def test_shared_instance_is_created_once_with_the_arguments() -> None:
    instances: list[Shared] = []

    class Shared(Greeting):
        init_every_request = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            instances.append(self)

    Shared.as_view("shared", "Hi", punctuation="?")
    assert len(instances) == 1
    assert instances[0].dispatch_request("Ann") == "Hi, Ann?"


def test_decorators_apply_in_order_and_see_the_endpoint_name() -> None:
    seen: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            seen.append(f"{label}:{func.__name__}")

            @functools.wraps(func)
            def wrapper(**kwargs: Any) -> Any:
                return func(**kwargs)

            wrapper.label = label  # type: ignore[attr-defined]
            return wrapper

        return decorator

    class Decorated(Greeting):
        decorators = [tag("inner"), tag("outer")]

    view = Decorated.as_view("decorated")
    assert seen == ["inner:decorated", "outer:decorated"]
    assert view.label == "outer"  # type: ignore[attr-defined]
    assert view.__wrapped__.__wrapped__.__name__ == "decorated"  # type: ignore[attr-defined]
    assert view.view_class is Decorated
    assert view.__name__ == "decorated"
    assert view.__module__ == __name__
    assert view.methods == ["GET", "POST"]


def test_decorators_on_the_class_do_not_wrap_the_view() -> None:
    def mark(cls: type[View]) -> type[View]:
        cls.marked = True  # type: ignore[attr-defined]
        return cls

    @mark
    class Marked(Greeting):
        pass

    view = Marked.as_view("marked")
    assert view.view_class is Marked
    assert not hasattr(view, "__wrapped__")


def test_base_dispatch_request_is_abstract() -> None:
    with pytest.raises(NotImplementedError, match="View must override dispatch_request"):
        View().dispatch_request()


# -- MethodView method collection


def test_methods_from_handlers() -> None:
    class Items(MethodView):
        def get(self) -> str:
            return "list"

        def post(self) -> str:
            return "create"

        def helper(self) -> None:
            pass

    assert Items.methods == {"GET", "POST"}
    assert Items.as_view("items").methods == {"GET", "POST"}


def test_every_http_method_name_counts() -> None:
    class Everything(MethodView):
        def get(self) -> None: ...
        def post(self) -> None: ...
        def put(self) -> None: ...
        def patch(self) -> None: ...
        def delete(self) -> None: ...
        def head(self) -> None: ...
        def options(self) -> None: ...
        def trace(self) -> None: ...

    assert Everything.methods == {
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
        "TRACE",
    }


def test_async_handlers_count() -> None:
    class Async(MethodView):
        async def get(self) -> str:
            return "async"

        async def delete(self) -> str:
            return "gone"

    assert Async.methods == {"GET", "DELETE"}


def test_methods_are_inherited_and_extended() -> None:
    class Read(MethodView):
        def get(self) -> str:
            return "read"

    class ReadWrite(Read):
        def put(self) -> str:
            return "write"

    assert Read.methods == {"GET"}
    assert ReadWrite.methods == {"GET", "PUT"}


def test_methods_from_a_mixin() -> None:
    class DeleteMixin:
        def delete(self) -> str:
            return "deleted"

    class Resource(DeleteMixin, MethodView):
        def get(self) -> str:
            return "got"

    assert Resource.methods == {"GET", "DELETE"}


def test_methods_of_several_bases_are_merged() -> None:
    class ExplicitBase(MethodView):
        methods = ["PROPFIND"]

    class Other(MethodView):
        def post(self) -> None: ...

    class Both(ExplicitBase, Other):
        def get(self) -> None: ...

    assert Both.methods == {"PROPFIND", "POST", "GET"}


def test_explicit_methods_are_kept() -> None:
    class Explicit(MethodView):
        methods = ["GET"]

        def get(self) -> None: ...

        def post(self) -> None: ...

    assert Explicit.methods == ["GET"]


def test_no_handlers_leaves_methods_unset() -> None:
    class Empty(MethodView):
        pass

    assert Empty.methods is None
    assert MethodView.methods is None


def test_collection_does_not_leak_into_the_base() -> None:
    class Child(MethodView):
        def get(self) -> None: ...

    assert MethodView.methods is None
    assert View.methods is None


def test_subclass_keyword_arguments_reach_init_subclass() -> None:
    class Registry(MethodView):
        seen: list[str] = []

        def __init_subclass__(cls, *, label: str, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            Registry.seen.append(label)

    class Labelled(Registry, label="mine"):
        def get(self) -> None: ...

    assert Registry.seen == ["mine"]
    assert Labelled.methods == {"GET"}


# -- MethodView dispatch, through a request context


class Dispatching(MethodView):
    def get(self, item: int = 0) -> str:
        return f"get {item}"

    def post(self, item: int = 0) -> str:
        return f"post {item}"


@pytest.mark.parametrize(
    ("method", "expected"),
    [("GET", "get 3"), ("POST", "post 3"), ("HEAD", "get 3")],
)
def test_dispatch_by_request_method(app: Any, method: str, expected: str) -> None:
    view = Dispatching.as_view("dispatching")
    with app.test_request_context("/items/3", method=method):
        assert view(item=3) == expected


def test_dispatch_prefers_head_handler(app: Any) -> None:
    class WithHead(Dispatching):
        def head(self, item: int = 0) -> str:
            return "head"

    with app.test_request_context("/", method="HEAD"):
        assert WithHead.as_view("with_head")() == "head"


def test_dispatch_without_handler(app: Any) -> None:
    view = Dispatching.as_view("dispatching")
    with (
        app.test_request_context("/", method="DELETE"),
        pytest.raises(AssertionError, match=r"no handler for DELETE.*define a delete\(\)"),
    ):
        view()


def test_dispatch_async_handler_through_ensure_sync(app: Any) -> None:
    class Async(MethodView):
        async def get(self, name: str) -> str:
            return f"hello {name}"

    with app.test_request_context("/"):
        assert Async.as_view("async")(name="ann") == "hello ann"


def test_view_instance_per_request(app: Any) -> None:
    class Counter(View):
        init_every_request = True

        def __init__(self) -> None:
            self.calls = 0

        def dispatch_request(self) -> int:
            self.calls += 1
            return self.calls

    per_request = Counter.as_view("per_request")

    class SharedCounter(Counter):
        init_every_request = False

    shared = SharedCounter.as_view("shared")
    with app.test_request_context("/"):
        assert [per_request(), per_request()] == [1, 1]
        assert [shared(), shared()] == [1, 2]


def test_view_class_can_be_replaced(app: Any) -> None:
    view = Greeting.as_view("greet", "Hi")

    class Other(Greeting):
        def dispatch_request(self, name: str = "world") -> str:
            return "replaced " + super().dispatch_request(name)

    view.view_class = Other
    with app.test_request_context("/"):
        assert view(name="Bo") == "replaced Hi, Bo!"
