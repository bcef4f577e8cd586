from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.params import JSONBody, PathParameter

from api.accounts import service as users
from api.accounts.schemas import LoginRequest, LoginResponse, Me, UserCreate, UserRead, UserUpdate
from api.auth import any_authenticated, hash_password_async, require, token_extras, verify_password_async
from api.deps import CurrentActor, Now, provide_actor
from api.throttle import client_address, login_throttle

Username = Annotated[str, PathParameter(max_length=64, description="The account's username")]


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post(
        "/login",
        exclude_from_auth=True,
        status_code=200,
        summary="Log in; returns a bearer token (repeated failures lock the account or address for a while: 429)",
    )
    async def login(self, now: Now, data: JSONBody[LoginRequest], request: Request[Any, Any, Any]) -> LoginResponse:
        found = await users.login(
            data.username,
            data.password,
            client_address(request),
            login_throttle(request),
            verify_password_async,
            now,
        )
        actor = found.actor
        jwt_auth = request.app.state["jwt_auth"]
        token = jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor, found.token_version))
        return LoginResponse(
            access_token=token,
            token_type="Bearer",
            expires_in=int(jwt_auth.default_token_expiration.total_seconds()),
            username=actor.username,
            role=actor.role,
            unit_code=found.unit_code,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )

    @post(
        "/logout",
        guards=[any_authenticated],
        status_code=204,
        dependencies={"actor": Provide(provide_actor, sync_to_thread=False)},
        summary="Log out: every token of this account stops working (all its devices log in again)",
    )
    async def logout(self, now: Now, actor: CurrentActor) -> None:
        await users.logout(actor, now)

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

    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @post("/", summary="Create an account (admin)")
    async def create(self, now: Now, actor: CurrentActor, data: JSONBody[UserCreate]) -> UserRead:
        return await users.create_user(data, hash_password_async, now, actor=actor.username)

    @patch(
        "/{username:str}",
        summary="Deactivate, change the role or binding, or reset the password of an account (admin); "
        "its tokens stop working",
    )
    async def update(self, now: Now, actor: CurrentActor, username: Username, data: JSONBody[UserUpdate]) -> UserRead:
        return await users.update_user(username, data, hash_password_async, now, actor=actor.username)
