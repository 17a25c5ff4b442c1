"""Write-back: ``_xsell`` custom fields (client PATCH), tasks (offers), comments (audit).

Client PATCH (reference §4) takes a JSON-Patch-like list of ``{op, path, value}``; ops
``ADD, REPLACE, REMOVE, MOVE`` in either case; only ``/_xsell/<field>`` paths. Values are
non-empty strings, checked against the field's type. Where Mambu is silent the mock
chooses (project convention): ``ADD`` on a present value replaces it, ``REPLACE`` on an
absent value is a 400, ``REMOVE`` on an absent value is a no-op (so a retried clear
succeeds). A PATCH is all-or-nothing and answers 204 with an empty body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from xsell_connect_mocks.mambu.errors import MambuError
from xsell_connect_mocks.mambu.paging import Page
from xsell_connect_mocks.mambu.routing import Api, acting_user, read_json
from xsell_connect_mocks.mambu.state import MambuState
from xsell_connect_mocks.mambu.wire import format_datetime, json_response

__all__ = ["XSELL_FIELDS", "CustomFieldPatch", "routes"]


def _is_number(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


#: The ``_xsell`` set: field id -> value check (values are always strings).
XSELL_FIELDS: dict[str, Callable[[str], bool]] = {
    "Next_Best_Action": lambda value: True,
    "NBA_Score": _is_number,
    "NBA_Expiry": _is_date,
    "NBA_Offer_Ref": lambda value: True,
}
_TASK_LINK_TYPES = frozenset(
    {"CLIENT", "GROUP", "LOAN_ACCOUNT", "DEPOSIT_ACCOUNT", "LOAN_PRODUCT", "SAVINGS_PRODUCT"}
)
_TASK_STATUSES = frozenset({"OPEN", "COMPLETED"})
_COMMENT_OWNERS = frozenset(
    {
        "CLIENT",
        "GROUP",
        "LOAN_ACCOUNT",
        "DEPOSIT_ACCOUNT",
        "BRANCH",
        "USER",
        "LOAN_PRODUCT",
        "SAVINGS_PRODUCT",
    }
)


class CustomFieldPatch:
    """Applies one client PATCH body to the client's ``_xsell`` values (all or nothing)."""

    SETS: ClassVar[dict[str, Mapping[str, Callable[[str], bool]]]] = {"_xsell": XSELL_FIELDS}

    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)

    def field(self, path: Any) -> str:
        """The field id a ``/_set/field`` path names (known sets and fields only)."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise MambuError("INVALID_PARAMETERS", f"path {path}")
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("_"):
            raise MambuError("INVALID_PARAMETERS", f"path {path} is not supported")
        fields = self.SETS.get(parts[0])
        if fields is None or parts[1] not in fields:
            raise MambuError("INVALID_CUSTOM_FIELD_ID", path)
        return parts[1]

    def value(self, field: str, value: Any, path: str) -> str:
        """A checked value: a non-empty string of the field's type."""
        if not isinstance(value, str) or value == "":
            raise MambuError("INVALID_CUSTOM_FIELD_VALUE", path)
        if not XSELL_FIELDS[field](value):
            raise MambuError("INVALID_CUSTOM_FIELD_VALUE", f"{path}: {value}")
        return value

    def apply(self, operation: Any) -> None:
        """Apply one operation."""
        if not isinstance(operation, Mapping):
            raise MambuError("INVALID_PARAMETERS", "each patch operation must be an object")
        op = str(operation.get("op", "")).upper()
        path = operation.get("path")
        field = self.field(path)
        if op == "ADD":
            self.values[field] = self.value(field, operation.get("value"), str(path))
        elif op == "REPLACE":
            if field not in self.values:
                raise MambuError("INVALID_PARAMETERS", f"{path} has no value to replace")
            self.values[field] = self.value(field, operation.get("value"), str(path))
        elif op == "REMOVE":
            self.values.pop(field, None)
        elif op == "MOVE":
            source = self.field(operation.get("from"))
            if source not in self.values:
                raise MambuError("INVALID_PARAMETERS", f"{operation.get('from')} has no value")
            self.values[field] = self.value(field, self.values.pop(source), str(path))
        else:
            raise MambuError("INVALID_PARAMETERS", f"op {operation.get('op')}")


def routes(api: Api) -> list[Route]:
    """Client PATCH, task and comment routes."""
    state = api.state

    async def patch_client(request: Request) -> Response:
        spec = state.client(request.path_params["id"])
        body = await read_json(request)
        if not isinstance(body, list) or not body:
            raise MambuError("INVALID_PARAMETERS", "body must be a non-empty list of operations")
        with state.store.lock:
            patch = CustomFieldPatch(state.xsell(spec.number))
            for operation in body:
                patch.apply(operation)
            state.write_xsell(spec.number, patch.values)
        return Response(status_code=204)

    async def create_task(request: Request) -> Response:
        body = await _object(request)
        task = _new_task(state, body, acting_user(request))
        state.store.put("tasks", str(task["id"]), task)
        request.state.created = (f"task:{task['id']}",)
        return json_response(task, status=201)

    async def list_tasks(request: Request) -> Response:
        query = request.query_params
        page = Page.from_query(query)
        tasks = sorted(state.store.collection("tasks").values(), key=lambda t: t["id"])
        if (client_id := query.get("clientId")) is not None:
            key = state.keys.key("client", state.client(client_id).number)
            tasks = [
                t
                for t in tasks
                if t.get("taskLinkType") == "CLIENT" and t.get("taskLinkKey") == key
            ]
        if (status := query.get("status")) is not None:
            tasks = [t for t in tasks if t["status"] == status.upper()]
        rows, total = page.take(tasks)
        return json_response(rows, headers=page.headers(total))

    async def get_task(request: Request) -> Response:
        return json_response(_task(state, request.path_params["id"]))

    async def patch_task(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, list) or not body:
            raise MambuError("INVALID_PARAMETERS", "body must be a non-empty list of operations")
        with state.store.lock:
            task = dict(_task(state, request.path_params["id"]))
            for operation in body:
                _patch_task(task, operation)
            task["lastModifiedDate"] = format_datetime(state.now(), state.tz)
            state.store.put("tasks", str(task["id"]), task)
        return Response(status_code=204)

    async def create_comment(request: Request) -> Response:
        body = await _object(request)
        comment = _new_comment(state, body, acting_user(request))
        state.store.put("comments", comment["encodedKey"], comment)
        request.state.created = (f"comment:{comment['encodedKey']}",)
        return json_response(comment, status=201)

    async def list_comments(request: Request) -> Response:
        query = request.query_params
        page = Page.from_query(query)
        owner_type = query.get("ownerType", "").upper()
        owner_key = query.get("ownerKey")
        if owner_type not in _COMMENT_OWNERS or not owner_key:
            raise MambuError("INVALID_PARAMETERS", "ownerType and ownerKey are required")
        owner_key = _owner_key(state, owner_type, owner_key)
        comments = [
            c
            for c in state.store.collection("comments").values()
            if c["ownerType"] == owner_type and c["ownerKey"] == owner_key
        ]
        rows, total = page.take(comments)
        return json_response(rows, headers=page.headers(total))

    return [
        api.route(
            "/clients/{id}",
            patch_client,
            methods=["PATCH"],
            operation="patch_client",
            idempotent=True,
        ),
        api.route(
            "/tasks", create_task, methods=["POST"], operation="create_task", idempotent=True
        ),
        api.route("/tasks", list_tasks, methods=["GET"], operation="list_tasks"),
        api.route("/tasks/{id}", get_task, methods=["GET"], operation="get_task"),
        api.route(
            "/tasks/{id}", patch_task, methods=["PATCH"], operation="patch_task", idempotent=True
        ),
        api.route(
            "/comments",
            create_comment,
            methods=["POST"],
            operation="create_comment",
            idempotent=True,
        ),
        api.route("/comments", list_comments, methods=["GET"], operation="list_comments"),
    ]


async def _object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise MambuError("INVALID_PARAMETERS", "body must be a JSON object")
    return body


def _text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise MambuError("INVALID_PARAMETERS", name)
    return value


def _due_date(value: Any) -> str:
    if not isinstance(value, str) or not _is_date(value):
        raise MambuError("INVALID_PARAMETERS", "dueDate")
    return value


def _owner_key(state: MambuState, kind: str, ident: str) -> str:
    """The encodedKey of a task link or comment owner, resolving ids for clients and
    accounts."""
    if kind == "CLIENT":
        return state.keys.key("client", state.client(ident).number)
    if kind in {"LOAN_ACCOUNT", "DEPOSIT_ACCOUNT"}:
        account = state.account(ident, loans=kind == "LOAN_ACCOUNT")
        return state.keys.key("account", account.number)
    return ident


def _new_task(state: MambuState, body: Mapping[str, Any], user: str) -> dict[str, Any]:
    status = str(body.get("status") or "OPEN").upper()
    if status not in _TASK_STATUSES:
        raise MambuError("INVALID_PARAMETERS", "status")
    link_type, link_key = body.get("taskLinkType"), body.get("taskLinkKey")
    if link_type is not None and link_type not in _TASK_LINK_TYPES:
        raise MambuError("INVALID_PARAMETERS", "taskLinkType")
    if link_type is not None and not isinstance(link_key, str):
        raise MambuError("INVALID_PARAMETERS", "taskLinkKey")
    if link_type is not None and isinstance(link_key, str):
        try:
            link_key = _owner_key(state, link_type, link_key)
        except MambuError as exc:
            raise MambuError("INVALID_PARAMETERS", "taskLinkKey") from exc
    ident = state.store.next_id("tasks", start=10_001)
    stamp = format_datetime(state.now(), state.tz)
    task = {
        "id": ident,
        "encodedKey": state.keys.key("task", str(ident)),
        "title": _text(body, "title"),
        "description": _text(body, "description"),
        "dueDate": _due_date(body.get("dueDate")),
        "status": status,
        "taskLinkType": link_type,
        "taskLinkKey": link_key,
        "assignedUserKey": _text(body, "assignedUserKey"),
        "templateKey": _text(body, "templateKey"),
        "createdByUserKey": state.keys.key("user", user),
        "createdByFullName": user,
        "creationDate": stamp,
        "lastModifiedDate": stamp,
    }
    return {k: v for k, v in task.items() if v is not None}


def _task(state: MambuState, ident: str) -> dict[str, Any]:
    task = state.store.get("tasks", ident)
    if task is None:
        task = next(
            (t for t in state.store.collection("tasks").values() if t["encodedKey"] == ident), None
        )
    if task is None:
        raise MambuError("OBJECT_NOT_FOUND", f"task {ident}")
    return task


_TASK_PATCHABLE: dict[str, Callable[[Any], Any]] = {
    "status": lambda v: v if v in _TASK_STATUSES else _raise("status"),
    "title": lambda v: v if isinstance(v, str) else _raise("title"),
    "description": lambda v: v if isinstance(v, str) else _raise("description"),
    "dueDate": _due_date,
}


def _raise(source: str) -> Any:
    raise MambuError("INVALID_PARAMETERS", source)


def _patch_task(task: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, Mapping):
        raise MambuError("INVALID_PARAMETERS", "each patch operation must be an object")
    op = str(operation.get("op", "")).upper()
    name = str(operation.get("path", "")).strip("/")
    if name not in _TASK_PATCHABLE:
        raise MambuError("INVALID_PARAMETERS", f"path {operation.get('path')}")
    if op in {"ADD", "REPLACE"}:
        task[name] = _TASK_PATCHABLE[name](operation.get("value"))
    elif op == "REMOVE" and name in {"title", "description"}:
        task.pop(name, None)
    else:
        raise MambuError("INVALID_PARAMETERS", f"op {operation.get('op')} on {name}")


def _new_comment(state: MambuState, body: Mapping[str, Any], user: str) -> dict[str, Any]:
    owner_type = str(body.get("ownerType") or "").upper()
    owner_key = body.get("ownerKey")
    text = body.get("text")
    if owner_type not in _COMMENT_OWNERS:
        raise MambuError("INVALID_PARAMETERS", "ownerType")
    if not isinstance(owner_key, str) or not owner_key:
        raise MambuError("INVALID_PARAMETERS", "ownerKey")
    if not isinstance(text, str) or not text.strip():
        raise MambuError("INVALID_PARAMETERS", "text")
    seq = state.store.next_id("comments")
    stamp = format_datetime(state.now(), state.tz)
    return {
        "encodedKey": state.keys.key("comment", str(seq)),
        "ownerType": owner_type,
        "ownerKey": _owner_key(state, owner_type, owner_key),
        "text": text,
        "userKey": state.keys.key("user", user),
        "creationDate": stamp,
        "lastModifiedDate": stamp,
    }
