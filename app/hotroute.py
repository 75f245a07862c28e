"""The participants' hottest endpoints, served with the least in between.

FastAPI's per-request machinery (its dependency solver, content-type parsing, response-model
validation, telemetry hooks) costs about 90 µs of the ~500 µs of CPU a submit takes in
process: as much as the submit's UPDATE. `HotRoute` uses FastAPI's documented extension point
for this (a custom `APIRoute` with its own route handler): the route keeps its path, models,
status code and OpenAPI entry, and errors still go to the app's exception handlers, but the
handler does only what these endpoints need:

- dependencies that take the request alone (the `Caller`), called directly, first;
- path parameters, validated by their annotations (`RowId`);
- one JSON body, validated by its pydantic model in one call (pydantic-core parses the JSON);
- the endpoint's result, serialised by the response model.

An endpoint that needs anything else is refused when the route is built.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# Reads one argument of the endpoint from the request; appends validation errors to the list.
Reader = Callable[[Request, list[Any]], Awaitable[Any]]


class HotRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        if self.dependencies:
            raise TypeError(f"{self.path}: a hot route takes no router dependencies")
        endpoint = self.endpoint
        readers = _readers(endpoint)
        response_json = TypeAdapter(self.response_model).dump_json
        status_code = self.status_code or 200

        async def handle(request: Request) -> Response:
            errors: list[Any] = []
            values = {name: await read(request, errors) for name, read in readers}
            if errors:
                raise RequestValidationError(errors)
            result = await endpoint(**values)
            return Response(response_json(result), status_code, media_type="application/json")

        return handle


def _readers(endpoint: Callable[..., Any]) -> list[tuple[str, Reader]]:
    """The endpoint's parameters in the order they are read: dependencies, path, body."""
    hints = get_type_hints(endpoint, include_extras=True)
    dependencies, path, body = [], [], []
    for name in inspect.signature(endpoint).parameters:
        hint = hints[name]
        depends = _depends_of(hint)
        if depends is not None:
            dependencies.append((name, _dependency_reader(depends)))
        elif inspect.isclass(hint) and issubclass(hint, BaseModel):
            body.append((name, _body_reader(hint)))
        elif get_origin(hint) is Annotated or hint in (int, str):
            path.append((name, _path_reader(name, hint)))
        else:
            raise TypeError(f"{endpoint.__name__}: a hot route cannot read {name}: {hint}")
    if len(body) > 1:
        raise TypeError(f"{endpoint.__name__}: a hot route reads one body")
    return dependencies + path + body


def _depends_of(hint: Any) -> Callable[[Request], Awaitable[Any]] | None:
    if get_origin(hint) is not Annotated:
        return None
    depends = next((m for m in get_args(hint)[1:] if isinstance(m, Depends)), None)
    if depends is None:
        return None
    parameters = list(inspect.signature(depends.dependency).parameters.values())
    if len(parameters) != 1 or parameters[0].annotation not in (Request, "Request"):
        raise TypeError(f"{depends.dependency.__name__}: a hot route's dependency takes a Request")
    return depends.dependency


def _dependency_reader(dependency: Callable[[Request], Awaitable[Any]]) -> Reader:
    async def read(request: Request, errors: list[Any]) -> Any:
        return await dependency(request)

    return read


def _path_reader(name: str, hint: Any) -> Reader:
    validate = TypeAdapter(hint).validate_python

    async def read(request: Request, errors: list[Any]) -> Any:
        try:
            return validate(request.path_params[name])
        except ValidationError as error:
            errors += _located(error, ("path", name))
            return None

    return read


def _body_reader(model: type[BaseModel]) -> Reader:
    async def read(request: Request, errors: list[Any]) -> Any:
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as error:
            errors += _located(error, ("body",))
            return None

    return read


def _located(error: ValidationError, where: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**detail, "loc": (*where, *detail["loc"])} for detail in error.errors()]
