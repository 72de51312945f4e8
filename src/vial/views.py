"""Class-based views: :class:`View` and the per-HTTP-method :class:`MethodView`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, ClassVar, Protocol, cast

from .globals import current_app, request

__all__ = ["MethodView", "View", "ViewFunction"]

_HTTP_METHOD_FUNCS = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class ViewFunction(Protocol):
    """The view function :meth:`View.as_view` returns, with the attributes routing reads."""

    __name__: str
    view_class: type[View]
    methods: Collection[str] | None
    provide_automatic_options: bool | None

    def __call__(self, **kwargs: Any) -> Any: ...


class View:
    """Base class for a class-based view: override :meth:`dispatch_request`.

    :meth:`as_view` turns the class into a view function to register::

        class Hello(View):
            init_every_request = False

            def dispatch_request(self, name):
                return f"Hello, {name}!"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))

    Decorators applied to the class itself do not wrap the view function: list them in
    :attr:`decorators` instead.
    """

    methods: ClassVar[Collection[str] | None] = None
    """The HTTP methods the view is registered for; ``None`` uses the routing default."""

    provide_automatic_options: ClassVar[bool | None] = None
    """Whether ``OPTIONS`` is answered automatically; ``None`` uses the routing default."""

    decorators: ClassVar[list[Callable[..., Any]]] = []
    """Decorators applied in order to the generated view function: the first one in the
    list is the innermost, like the bottom one in a stack of ``@decorator`` lines."""

    init_every_request: ClassVar[bool] = True
    """Create a new instance for every request. Set it to ``False`` to build one instance in
    :meth:`as_view` and reuse it, which is faster but makes ``self`` shared by all requests:
    keep per-request data on :data:`vial.g` then."""

    def dispatch_request(self) -> Any:
        """Handle the request and return a response value; URL variables arrive as keywords."""
        raise NotImplementedError(
            f"{type(self).__name__} must override dispatch_request() to handle requests."
        )

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> ViewFunction:
        """Return a view function, registered as endpoint ``name``, that dispatches to the class.

        ``class_args`` and ``class_kwargs`` are passed to the class constructor, once per
        request, or once now when :attr:`init_every_request` is false. The function has
        ``view_class`` set to the class (replace it to substitute another class, for
        example in tests), and the class's :attr:`methods`,
        :attr:`provide_automatic_options` and docstring.
        """
        view: Callable[..., Any]
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                instance = cast(ViewFunction, view).view_class(*class_args, **class_kwargs)
                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return current_app.ensure_sync(shared.dispatch_request)(**kwargs)

        if cls.decorators:
            # Name the function before decorating so that wrappers using
            # functools.wraps copy the endpoint name, not "view".
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        view_function = cast(ViewFunction, view)
        view_function.view_class = cls
        view_function.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view_function.methods = cls.methods
        view_function.provide_automatic_options = cls.provide_automatic_options
        return view_function


class MethodView(View):
    """A view that dispatches each request to the method named after its HTTP method.

    A ``GET`` request calls ``get``, a ``POST`` calls ``post`` and so on; ``HEAD`` falls
    back to ``get`` when there is no ``head``. URL variables arrive as keywords.
    :attr:`~View.methods` is filled in from the handlers the class defines or inherits,
    unless the class sets it. Handlers may be ``async def``.

    ::

        class CounterAPI(MethodView):
            def get(self):
                return str(session.get("counter", 0))

            def post(self):
                session["counter"] = session.get("counter", 0) + 1
                return redirect(url_for("counter"))

        app.add_url_rule("/counter", view_func=CounterAPI.as_view("counter"))
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            base_methods = getattr(base, "methods", None)
            if base_methods:
                methods.update(base_methods)
        methods.update(name.upper() for name in _HTTP_METHOD_FUNCS if hasattr(cls, name))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: Any) -> Any:
        """Call the handler for the request's method with the URL variables."""
        method = request.method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            raise AssertionError(
                f"{type(self).__name__} has no handler for {method} requests: define a"
                f" {method.lower()}() method, or remove {method} from its methods."
            )
        return current_app.ensure_sync(handler)(**kwargs)
