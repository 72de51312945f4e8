"""The names of ``flask.typing``, as broad aliases for annotations.

vial checks these shapes at run time, not through these aliases: they only
let code that annotates with ``flask.typing`` import and type-check.
"""

from __future__ import annotations

import typing as t

from ..response import Response

_Callback = t.Callable[..., t.Any]

#: What a view may return: a body, a response, or a tuple with status and headers.
ResponseReturnValue = t.Any
ResponseValue = t.Any
ResponseClass = Response
HeaderValue = str | list[str] | tuple[str, ...]
HeadersValue = t.Any
#: ``None`` for the app, else a blueprint name.
AppOrBlueprintKey = str | None

AfterRequestCallable = _Callback
BeforeFirstRequestCallable = _Callback
BeforeRequestCallable = _Callback
ErrorHandlerCallable = _Callback
RouteCallable = _Callback
ShellContextProcessorCallable = _Callback
TeardownCallable = _Callback
TemplateContextProcessorCallable = _Callback
TemplateFilterCallable = _Callback
TemplateGlobalCallable = _Callback
TemplateTestCallable = _Callback
URLDefaultCallable = _Callback
URLValuePreprocessorCallable = _Callback
