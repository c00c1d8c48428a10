"""The HTTP API over the demo models: app factory, lifespan, session dependency and routes.

Every model gets the same five routes from :func:`crud_router`: a keyset-paginated list, get,
create, partial update and delete. Errors never carry a traceback: a missing row is a 404,
a constraint violation a 409 with a one-line reason, a bad body or query FastAPI's 422,
and any other database failure a short 500/503 that is logged in full on the server.

Reads of one row carry an ``ETag`` (:mod:`app.versioning`); a PATCH or DELETE sent with
``If-Match`` writes only while the row still holds the values of that version, in the same
statement, and is otherwise a 412 that writes nothing: the rule dbbrowse's editor follows.
Without ``If-Match`` the last writer wins, as plain HTTP has it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    status,
)
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, ColumnElement, SmallInteger, delete, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from app import database
from app.database import Base, get_async_session, mask_url
from app.models import Attachment, Customer, Event, Order, OrderItem, Product
from app.schemas import (
    INT16_MAX,
    INT32_MAX,
    INT64_MAX,
    AttachmentCreate,
    AttachmentRead,
    AttachmentUpdate,
    CreateSchema,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    EventCreate,
    EventRead,
    EventUpdate,
    Health,
    OrderCreate,
    OrderItemCreate,
    OrderItemRead,
    OrderItemUpdate,
    OrderRead,
    OrderUpdate,
    Page,
    PatchSchema,
    ProductCreate,
    ProductRead,
    ProductUpdate,
)
from app.versioning import entity_tag, row_values, tag_matches, unchanged_since

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No row with this id"}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "A unique, foreign-key or check constraint refused the change"}
}
_PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match given and the row changed since that version was read"}
}

SessionDep = Annotated[AsyncSession, Depends(get_async_session)]
LimitQuery = Annotated[
    int, Query(ge=1, description=f"page size; larger values are capped at {MAX_PAGE_SIZE}")
]
IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="the ETag of the version read: the write happens only if the row still"
        " holds exactly those values (otherwise 412, and nothing is written)",
    ),
]
ModelT = TypeVar("ModelT", bound=Base)
EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Schema creation is sync DDL; keep it off the event loop.
    await anyio.to_thread.run_sync(database.ensure_database_schema)
    yield
    await database.dispose_engines()


def _int_max(column: ColumnElement[Any]) -> int:
    """The largest value the (integer) column's type holds on every supported database."""
    if isinstance(column.type, BigInteger):
        return INT64_MAX
    if isinstance(column.type, SmallInteger):
        return INT16_MAX
    return INT32_MAX


def _with_annotations(endpoint: EndpointT, **annotations: Any) -> EndpointT:
    """Give ``endpoint`` the real types of parameters that exist only in a factory's scope.

    Under ``from __future__ import annotations`` FastAPI evaluates a parameter's annotation
    in the module's globals, where a per-router schema or bound does not exist.
    """
    endpoint.__annotations__.update(annotations)
    return endpoint


_DRIVER_CLASS_PREFIX = re.compile(r"^<class '[^']*'>:\s*")


def integrity_detail(exc: IntegrityError) -> str:
    """A one-line reason for a constraint violation, without SQL or parameters."""
    lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    reason = _DRIVER_CLASS_PREFIX.sub("", lines[0] if lines else "")[:200]
    lowered = reason.lower()
    if "unique" in lowered or "duplicate" in lowered:
        kind = "conflicts with an existing row"
    elif "foreign key" in lowered:
        kind = "refers to a row that does not exist, or is still referenced"
    elif "check" in lowered:
        kind = "violates a check constraint"
    elif "null" in lowered:
        kind = "leaves a required column empty"
    else:
        kind = "violates a database constraint"
    return f"{kind}: {reason}" if reason else kind


async def _commit(session: AsyncSession) -> None:
    """Commit; a constraint violation rolls back and becomes a 409."""
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, detail=integrity_detail(exc)) from None


def crud_router(
    model: type[ModelT],
    create_schema: type[CreateSchema],
    update_schema: type[PatchSchema],
    read_schema: type[BaseModel],
    prefix: str,
    *,
    load: Sequence[ORMOption] = (),
) -> APIRouter:
    """List, get, create, update and delete routes for one model under ``prefix``.

    The endpoints are written against the base schemas; :func:`_with_annotations` then
    swaps in this model's schemas and id bounds, which FastAPI validates and documents.

    ``load`` holds loader options for relationships that ``read_schema`` embeds; they are
    applied to every read, since lazy loading is not possible on an async session.
    """
    mapper = sa_inspect(model)
    (pk,) = mapper.primary_key
    max_id = _int_max(pk)
    label = model.__name__
    id_path = Annotated[int, Path(ge=1, le=max_id, description=f"id of the {label}")]
    after_query = Annotated[
        int | None,
        Query(ge=0, le=max_id, description="the last id of the previous page; omit for the first"),
    ]
    router = APIRouter(prefix=prefix, tags=[prefix.strip("/")])

    def key_of(row: ModelT) -> int:
        return int(mapper.primary_key_from_instance(row)[0])

    async def fetch(session: AsyncSession, item_id: int) -> ModelT:
        # populate_existing: after a commit, show what the database holds now.
        row = await session.get(model, item_id, options=load, populate_existing=True)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{label} {item_id} not found")
        return row

    async def list_rows(
        session: SessionDep,
        after: int | None = None,
        limit: LimitQuery = DEFAULT_PAGE_SIZE,
    ) -> dict[str, Any]:
        size = min(limit, MAX_PAGE_SIZE)
        # One row more than asked tells whether another page exists.
        statement = select(model).options(*load).order_by(pk).limit(size + 1)
        if after is not None:
            statement = statement.where(pk > after)
        rows = list((await session.scalars(statement)).all())
        next_after = key_of(rows[size - 1]) if len(rows) > size else None
        return {"items": rows[:size], "next_after": next_after}

    def tagged(row: ModelT, response: Response) -> ModelT:
        response.headers["ETag"] = entity_tag(row_values(mapper, row))
        return row

    def require_version(if_match: str, item_id: int, seen: dict[str, Any]) -> None:
        current = entity_tag(seen)
        if not tag_matches(if_match, current):
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED,
                detail=f"{label} {item_id} changed since that version was read; read it again",
                headers={"ETag": current},
            )

    async def conditional(
        session: SessionDep, item_id: int, statement: Any, seen: dict[str, Any]
    ) -> None:
        """Run an UPDATE/DELETE that touches the row only while it holds ``seen``."""
        statement = statement.where(pk == item_id, unchanged_since(mapper, seen))
        result = await session.execute(statement.execution_options(synchronize_session=False))
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            # Changed between our read and our write (by a client without If-Match).
            await session.rollback()
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED,
                detail=f"{label} {item_id} changed while it was being written; read it again",
            )
        await _commit(session)

    async def get_row(item_id: int, session: SessionDep, response: Response) -> ModelT:
        return tagged(await fetch(session, item_id), response)

    async def create_row(payload: CreateSchema, session: SessionDep, response: Response) -> ModelT:
        row = model(**payload.column_values())
        session.add(row)
        await _commit(session)
        return tagged(await fetch(session, key_of(row)), response)

    async def update_row(
        item_id: int,
        payload: PatchSchema,
        session: SessionDep,
        response: Response,
        if_match: IfMatchHeader = None,
    ) -> ModelT:
        row = await fetch(session, item_id)
        values = payload.column_values()
        if if_match is None:
            for name, value in values.items():
                setattr(row, name, value)
            await _commit(session)
        else:
            seen = row_values(mapper, row)
            require_version(if_match, item_id, seen)
            if values:
                await conditional(session, item_id, update(model).values(**values), seen)
        return tagged(await fetch(session, item_id), response)

    async def delete_row(
        item_id: int, session: SessionDep, if_match: IfMatchHeader = None
    ) -> Response:
        # Without loader options: a loaded child collection would make the ORM null the
        # children's foreign keys instead of leaving ON DELETE to the database.
        row = await session.get(model, item_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{label} {item_id} not found")
        if if_match is None:
            await session.delete(row)
            await _commit(session)
        else:
            seen = row_values(mapper, row)
            require_version(if_match, item_id, seen)
            await conditional(session, item_id, delete(model), seen)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    router.add_api_route(
        "",
        _with_annotations(list_rows, after=after_query),
        methods=["GET"],
        response_model=Page[read_schema],  # type: ignore[valid-type]
        summary=f"List {label} rows by ascending id",
    )
    router.add_api_route(
        "/{item_id}",
        _with_annotations(get_row, item_id=id_path),
        methods=["GET"],
        response_model=read_schema,
        responses=_NOT_FOUND,
        summary=f"Get one {label}",
    )
    router.add_api_route(
        "",
        _with_annotations(create_row, payload=create_schema),
        methods=["POST"],
        response_model=read_schema,
        status_code=status.HTTP_201_CREATED,
        responses=_CONFLICT,
        summary=f"Create a {label}",
    )
    router.add_api_route(
        "/{item_id}",
        _with_annotations(update_row, item_id=id_path, payload=update_schema),
        methods=["PATCH"],
        response_model=read_schema,
        responses={**_NOT_FOUND, **_CONFLICT, **_PRECONDITION},
        summary=f"Change some fields of a {label}",
    )
    router.add_api_route(
        "/{item_id}",
        _with_annotations(delete_row, item_id=id_path),
        methods=["DELETE"],
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses={**_NOT_FOUND, **_CONFLICT, **_PRECONDITION},
        summary=f"Delete a {label}",
    )
    return router


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    logger.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
    if isinstance(exc, IntegrityError):
        return JSONResponse({"detail": integrity_detail(exc)}, status.HTTP_409_CONFLICT)
    if isinstance(exc, OperationalError):
        return JSONResponse(
            {"detail": "the database is busy or unavailable; try again"},
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return JSONResponse({"detail": "database error"}, status.HTTP_500_INTERNAL_SERVER_ERROR)


async def _response_validation_error(request: Request, exc: Exception) -> JSONResponse:
    # A stored row the API schema rejects (e.g. written by another client): the server's
    # fault, not the caller's, and not worth a traceback on the wire.
    logger.error("invalid response on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse(
        {"detail": "a stored row does not match the API schema"},
        status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def create_app() -> FastAPI:
    """A new API app on the process's current engines (see :func:`app.database.configure`)."""
    api = FastAPI(title="dbbrowse demo API", version="0.1.0", lifespan=lifespan)
    api.add_exception_handler(SQLAlchemyError, _database_error)
    api.add_exception_handler(ResponseValidationError, _response_validation_error)

    @api.get("/health", tags=["health"])
    async def health(session: SessionDep) -> Health:
        connection = await session.connection()
        dialect = connection.dialect.name
        journal_mode = None
        if dialect == "sqlite":
            result = await connection.execute(text("PRAGMA journal_mode"))
            journal_mode = str(result.scalar_one())
        return Health(
            status="ok",
            dialect=dialect,
            journal_mode=journal_mode,
            database=mask_url(connection.engine.url),
        )

    routers = (
        crud_router(Customer, CustomerCreate, CustomerUpdate, CustomerRead, "/customers"),
        crud_router(Product, ProductCreate, ProductUpdate, ProductRead, "/products"),
        crud_router(
            Order, OrderCreate, OrderUpdate, OrderRead, "/orders", load=[selectinload(Order.items)]
        ),
        crud_router(OrderItem, OrderItemCreate, OrderItemUpdate, OrderItemRead, "/order-items"),
        crud_router(Event, EventCreate, EventUpdate, EventRead, "/events"),
        crud_router(Attachment, AttachmentCreate, AttachmentUpdate, AttachmentRead, "/attachments"),
    )
    for router in routers:
        api.include_router(router)
    return api


app = create_app()
