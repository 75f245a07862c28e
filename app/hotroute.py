"""The participants' hottest endpoints, served with the least in between.

FastAPI's per-request machinery (its dependency solver, content-type parsing, response-model
validation, telemetry hooks) costs about 90 µs of the ~500 µs of CPU a submit takes in
process: as much as the submit's UPDATE; on the quiz page and the board it is a similar share.
`HotRoute` uses FastAPI's documented extension point for this (a custom `APIRoute` with its own
route handler): the route keeps its path, models, status code and OpenAPI entry, and errors
still go to the app's exception handlers, but the handler does only what these endpoints need:

- the `Request` itself;
- dependencies written as `async def` over parameters of these same kinds, called directly,
  before the endpoint's own parameters are read (a 401 comes before a 422, as with FastAPI);
- path and query parameters, validated by their annotations (`RowId`, `Query(ge=…)`);
- one JSON body, validated by its pydantic model in one call (pydantic-core parses the JSON);
- a `Response` returned as it is, anything else serialised by the response model.

An endpoint that needs anything else (a dependency with `yield`, a form, a header parameter…)
is refused when the route is built. FastAPI's `dependency_overrides` do not reach these routes:
tests set what they need on `app.state` (the clock, the databases), which the dependencies read.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends, Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class _Solving:
    """One request being read: its validation errors, and each dependency's value (a
    dependency used twice runs once per request, as with FastAPI)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.errors: list[Any] = []
        self.solved: dict[Callable[..., Any], Any] = {}


# Reads one argument from the request being solved.
Reader = Callable[[_Solving], Awaitable[Any]]


class HotRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        if self.dependencies:
            raise TypeError(f"{self.path}: a hot route takes no router dependencies")
        endpoint = self.endpoint
        readers = _readers(endpoint, set(re.findall(r"{(\w+)", self.path)), body=True)
        response_json = TypeAdapter(self.response_model).dump_json
        status_code = self.status_code or 200

        async def handle(request: Request) -> Response:
            solving = _Solving(request)
            values = {name: await reader(solving) for name, reader in readers}
            if solving.errors:
                raise RequestValidationError(solving.errors)
            result = await endpoint(**values)
            if isinstance(result, Response):
                return result
            return Response(response_json(result), status_code, media_type="application/json")

        return handle


def _readers(
    call: Callable[..., Any], path_names: set[str], *, body: bool
) -> list[tuple[str, Reader]]:
    """Readers of `call`'s parameters, in the order they run: dependencies first."""
    if not inspect.iscoroutinefunction(call):
        raise TypeError(f"{call.__name__}: a hot route calls only `async def` functions")
    hints = get_type_hints(call, include_extras=True)
    dependencies, own = [], []
    wants_body = body
    for name, parameter in inspect.signature(call).parameters.items():
        hint = hints[name]
        depends = _marker(hint, Depends)
        if depends is not None:
            dependencies.append((name, _dependency_reader(depends.dependency, path_names)))
        elif hint is Request:
            own.append((name, _request_reader))
        elif name in path_names and _marker(hint, Query) is None:
            own.append((name, _path_reader(name, hint)))
        elif _marker(hint, Query) is not None:
            own.append((name, _query_reader(name, hint, parameter.default)))
        elif wants_body and inspect.isclass(hint) and issubclass(hint, BaseModel):
            wants_body = False  # one body at most
            own.append((name, _body_reader(hint)))
        else:
            raise TypeError(f"{call.__name__}: a hot route cannot read {name}: {hint}")
    return dependencies + own


def _marker(hint: Any, kind: type) -> Any:
    """The FastAPI marker of that kind (Depends, Query) in an `Annotated` hint, if any."""
    if get_origin(hint) is not Annotated:
        return None
    return next((m for m in get_args(hint)[1:] if isinstance(m, kind)), None)


def _dependency_reader(dependency: Callable[..., Awaitable[Any]], path_names: set[str]) -> Reader:
    readers = _readers(dependency, path_names, body=False)

    async def read(solving: _Solving) -> Any:
        if dependency not in solving.solved:
            values = {name: await reader(solving) for name, reader in readers}
            if solving.errors:
                return None
            solving.solved[dependency] = await dependency(**values)
        return solving.solved[dependency]

    return read


async def _request_reader(solving: _Solving) -> Request:
    return solving.request


def _path_reader(name: str, hint: Any) -> Reader:
    validate = TypeAdapter(hint).validate_python

    async def read(solving: _Solving) -> Any:
        try:
            return validate(solving.request.path_params[name])
        except ValidationError as error:
            solving.errors += _located(error, ("path", name))
            return None

    return read


def _query_reader(name: str, hint: Any, default: Any) -> Reader:
    validate = TypeAdapter(hint).validate_python
    if default is inspect.Parameter.empty:
        raise TypeError(f"query parameter {name}: a hot route needs a default")

    async def read(solving: _Solving) -> Any:
        text = solving.request.query_params.get(name)
        if text is None:
            return default
        try:
            return validate(text)
        except ValidationError as error:
            solving.errors += _located(error, ("query", name))
            return None

    return read


def _body_reader(model: type[BaseModel]) -> Reader:
    async def read(solving: _Solving) -> Any:
        try:
            return model.model_validate_json(await solving.request.body())
        except ValidationError as error:
            solving.errors += _located(error, ("body",))
            return None

    return read


def _located(error: ValidationError, where: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**detail, "loc": (*where, *detail["loc"])} for detail in error.errors()]
