from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody

from api.accounts import service as users
from api.accounts.schemas import LoginRequest, LoginResponse, Me, UserCreate, UserRead
from api.auth import hash_password, require, token_extras, verify_password
from api.deps import CurrentActor, Now, provide_actor


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", exclude_from_auth=True, status_code=200, summary="Log in; returns a bearer token")
    async def login(self, data: JSONBody[LoginRequest], request: Request[Any, Any, Any]) -> LoginResponse:
        actor, unit_code = await users.authenticate(data.username, data.password, verify_password)
        jwt_auth = request.app.state["jwt_auth"]
        token = jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
        return LoginResponse(
            access_token=token,
            token_type="Bearer",
            expires_in=int(jwt_auth.default_token_expiration.total_seconds()),
            username=actor.username,
            role=actor.role,
            unit_code=unit_code,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )

    @get("/me", dependencies={"actor": Provide(provide_actor, sync_to_thread=False)}, summary="Who am I")
    async def me(self, actor: CurrentActor) -> Me:
        return Me(
            username=actor.username,
            role=actor.role,
            unit_id=actor.unit_id,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["auth"]
    guards = [require()]

    @post("/", summary="Create an account (admin)")
    async def create(self, now: Now, data: JSONBody[UserCreate]) -> UserRead:
        return await users.create_user(data, hash_password, now)
